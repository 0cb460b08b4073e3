import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModelKeys } from "../../readmodels/keys";
import { dumpKeys, eventually, projectionsCaughtUp } from "../support/service";
import { recordingLog, startApiService, type ApiClient, type ApiService } from "./support/api";
import { address, mutate, mutateRaw, usd } from "./support/fixtures";

/**
 * What a signed-in customer tried against the read side, each refused at the edge with a clear,
 * typed error and no effect (the findings of a hostile-customer review, one test each).
 */

let t: ApiService;
let staff: ApiClient;
let customer: ApiClient;
const log = recordingLog();

beforeAll(async () => {
  t = await startApiService({ RATE_LIMIT_MUTATIONS: "0" }, log);
  staff = await t.as("staff", "ops");
  customer = await t.as("customer", "cust2");
  await mutate(customer, "openAccount", { accountId: "acc-cust2-1", ownerId: "cust2", currency: "USD" });
  await mutate(customer, "deposit", { accountId: "acc-cust2-1", amount: usd("10.00") });
  await mutate(staff, "addProduct", { productId: "prod-1", sku: "MUG", name: "Mug", price: usd("4.00") });
  await mutate(staff, "restockProduct", { productId: "prod-1", quantity: 5 });
  await projectionsCaughtUp(t);
});
afterAll(async () => {
  await t?.stop();
});

type Change = { __typename: string; code?: string; field?: string };

async function openAccount(accountId: string) {
  const answer = await customer.gql<{ openAccount: Change }>(
    `mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename ... on Error { code } ... on ValidationError { field } } }`,
    { input: { ownerId: "cust2", currency: "USD", accountId } },
  );
  return answer.data!.openAccount;
}

describe("a customer cannot reach another entity's keys", () => {
  it("finding 1: an account id spelling another account's history key is refused, and nothing changes", async () => {
    const before = await dumpKeys(t.service.redis, t.prefix, [/:state$/]);
    const head = await t.service.store.headPosition();
    for (const suffix of [":history", ":transactions", ":balances"]) {
      expect(await openAccount(`acc-cust2-1${suffix}`)).toEqual({
        __typename: "ValidationError",
        code: "VALIDATION_ERROR",
        field: "accountId",
      });
    }
    expect(await t.service.store.headPosition()).toEqual(head);
    expect(await dumpKeys(t.service.redis, t.prefix, [/:state$/])).toEqual(before);
    // The read side stays live for everyone.
    await eventually(async () => {
      const meta = await customer.gql<{ account: { meta: { status: string } } }>(
        `{ account(id: "acc-cust2-1") { meta { status } } }`,
      );
      expect(meta.data?.account.meta.status).toBe("LIVE");
    });
  });

  it("finding 3: a query for an id spelling a key suffix is a BAD_USER_INPUT naming the field, never an internal error", async () => {
    const errorsBefore = log.lines.filter((line) => line.level === "error").length;
    for (const [query, field] of [
      [`{ account(id: "acc-x:history") { id } }`, "id"],
      [`{ account(id: "acc-x:transactions") { id } }`, "id"],
      [`{ product(id: "prod-1:history") { id } }`, "id"],
      [`{ order(id: "o-1:history") { id } }`, "id"],
      [`{ ordersByCustomer(customerId: "c:1") { totalCount } }`, "customerId"],
    ] as const) {
      const answer = await staff.gql(query);
      expect(answer.data, query).toBeDefined();
      expect(answer.errors, query).toHaveLength(1);
      expect(answer.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(answer.errors![0]!.message).toContain("is not a valid id");
    }
    expect(log.lines.filter((line) => line.level === "error")).toHaveLength(errorsBefore);
  });

  it("finding 4: an idempotency key with a NUL byte is a ValidationError, not an internal error", async () => {
    const answer = await mutateRaw(customer, "deposit", {
      accountId: "acc-cust2-1",
      amount: usd("1.00"),
      idempotencyKey: "key\u0000with-nul",
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.deposit).toMatchObject({ __typename: "ValidationError", code: "VALIDATION_ERROR" });
    expect(answer.data?.deposit?.code).toBe("VALIDATION_ERROR");
    const message = (answer.data?.deposit as { message?: string }).message;
    expect(message).toContain("U+0000");
  });

  it("finding 5: an order for a product the catalog view has not caught up with is a retryable ServiceUnavailable", async () => {
    const keys = readModelKeys(t.prefix);
    // What a rebuild after an empty Redis looks like for one product: in the log, not yet in the view.
    const saved = await t.service.redis.hgetall(keys.inventory("prod-1"));
    await t.service.redis.del(keys.inventory("prod-1"));
    try {
      const order = {
        customerId: "cust2",
        currency: "USD",
        lines: [{ productId: "prod-1", quantity: 1 }],
        shippingAddress: address,
      };
      const answer = await customer.gql<{ placeOrder: Change & { retryAfter?: number; message?: string } }>(
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename ... on Error { code message } ... on ServiceUnavailable { retryAfter } } }`,
        { input: order },
      );
      expect(answer.data?.placeOrder).toMatchObject({
        __typename: "ServiceUnavailable",
        code: "VIEW_NOT_READY",
        retryAfter: expect.any(Number),
      });
      expect(answer.data!.placeOrder.retryAfter).toBeGreaterThan(0);
      // A product that is nowhere in the log is still a ValidationError: it will never be valid.
      const unknown = await mutateRaw(customer, "placeOrder", {
        ...order,
        lines: [{ productId: "prod-nope", quantity: 1 }],
      });
      expect(unknown.data?.placeOrder).toMatchObject({ __typename: "ValidationError" });
    } finally {
      await t.service.redis.hset(keys.inventory("prod-1"), saved);
    }
  });

  it("finding 6: every malformed body answers 400, a batch of non-objects included", async () => {
    for (const body of [
      "[1,2,3]",
      "[]",
      '[{"query":"{ __typename }"}, 7]',
      '"text"',
      "42",
      "{",
      "null",
      "{}",
    ]) {
      const answer = await customer.post(body);
      expect(answer.status, body).toBe(400);
    }
    // A real batch still runs.
    const batch = await customer.post([{ query: "{ __typename }" }, { query: "{ __typename }" }]);
    expect(batch.status).toBe(200);
  });
});
