import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { orderStreamId } from "../../domain/ordering/state";
import { subscribeSse, subscribeWs } from "../support/live";
import { projectionsCaughtUp } from "../support/service";
import { startApiService, tokenFor, type ApiClient, type ApiService } from "./support/api";
import { address, codes, firstPush, mutate, mutateRaw, usd } from "./support/fixtures";
import { overWebSocket } from "./support/ws";

let t: ApiService;
let alice: ApiClient;
let bob: ApiClient;
let staff: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  t = await startApiService();
  [alice, bob, staff, admin] = await Promise.all([
    t.as("customer", "alice"),
    t.as("customer", "bob"),
    t.as("staff", "sam"),
    t.as("admin", "ada"),
  ]);
  expect(
    (await mutate(alice, "openAccount", { accountId: "alice-1", ownerId: "alice", currency: "USD" }))
      .__typename,
  ).toBe("AccountChange");
  expect(
    (await mutate(bob, "openAccount", { accountId: "bob-1", ownerId: "bob", currency: "USD" })).__typename,
  ).toBe("AccountChange");
  await mutate(bob, "deposit", { accountId: "bob-1", amount: usd("100.00") });
  await mutate(staff, "addProduct", {
    productId: "widget",
    sku: "W-1",
    name: "Widget",
    price: usd("10.00"),
    initialStock: 50,
  });
  await projectionsCaughtUp(t as never);
  for (const [client, customerId, orderId] of [
    [alice, "alice", "alice-o1"],
    [bob, "bob", "bob-o1"],
  ] as const) {
    const placed = await mutate(client, "placeOrder", {
      orderId,
      customerId,
      currency: "USD",
      lines: [{ productId: "widget", quantity: 1 }],
      shippingAddress: address,
    });
    expect(placed.events).toEqual(["OrderPlaced"]);
  }
  await projectionsCaughtUp(t as never);
});
afterAll(async () => {
  await t?.stop();
});

async function streamLength(streamId: string): Promise<number> {
  return (await t.service.store.readStream(streamId)).length;
}

describe("a customer sees their own accounts and orders, and no one else's", () => {
  it("reads their own account and order", async () => {
    const own = await alice.gql<{ account: { ownerId: string }; order: { customerId: string } }>(
      `{ account(id: "alice-1") { ownerId } order(id: "alice-o1") { customerId } }`,
    );
    expect(own.errors).toBeUndefined();
    expect(own.data).toEqual({ account: { ownerId: "alice" }, order: { customerId: "alice" } });
  });

  it("gets another customer's account and order exactly like missing ones (null, no error)", async () => {
    const foreign = await alice.gql(
      `{ account(id: "bob-1") { id balance { amount } } order(id: "bob-o1") { id } }`,
    );
    const missing = await alice.gql(
      `{ account(id: "nobody") { id balance { amount } } order(id: "no-order") { id } }`,
    );
    expect(foreign).toEqual({ data: { account: null, order: null } });
    expect(missing).toEqual(foreign);
  });

  it("is refused another customer's lists", async () => {
    const accounts = await alice.gql(`{ accountsByOwner(ownerId: "bob") { totalCount } }`);
    const orders = await alice.gql(`{ ordersByCustomer(customerId: "bob") { totalCount } }`);
    expect(codes(accounts)).toEqual(["FORBIDDEN"]);
    expect(codes(orders)).toEqual(["FORBIDDEN"]);
    const own = await alice.gql<{ accountsByOwner: { totalCount: number } }>(
      `{ accountsByOwner(ownerId: "alice") { totalCount } }`,
    );
    expect(own.data?.accountsByOwner.totalCount).toBe(1);
  });

  it("cannot move money on, or close, another customer's account: the same typed not-found as a missing one, nothing appended", async () => {
    const before = await streamLength(accountStreamId("bob-1"));
    const attempts = [
      await mutate(alice, "deposit", { accountId: "bob-1", amount: usd("1.00") }),
      await mutate(alice, "withdraw", { accountId: "bob-1", amount: usd("1.00") }),
      await mutate(alice, "closeAccount", { accountId: "bob-1" }),
    ];
    const missing = await mutate(alice, "deposit", { accountId: "nobody", amount: usd("1.00") });
    for (const attempt of [...attempts, missing]) {
      expect(attempt).toMatchObject({ __typename: "AccountNotFound", code: "ACCOUNT_NOT_FOUND" });
    }
    expect(await streamLength(accountStreamId("bob-1"))).toBe(before);
  });

  it("acts on an account opened a moment ago, before its view exists (ownership is checked on the loaded aggregate)", async () => {
    await mutate(alice, "openAccount", { accountId: "alice-fresh", ownerId: "alice", currency: "USD" });
    const deposited = await mutate(alice, "deposit", { accountId: "alice-fresh", amount: usd("5.00") });
    expect(deposited.__typename).toBe("AccountChange");
  });

  it("opens accounts and places orders only for themselves", async () => {
    const account = await mutateRaw(alice, "openAccount", {
      accountId: "for-bob",
      ownerId: "bob",
      currency: "USD",
    });
    const order = await mutateRaw(alice, "placeOrder", {
      customerId: "bob",
      currency: "USD",
      lines: [{ productId: "widget", quantity: 1 }],
      shippingAddress: address,
    });
    expect(codes(account)).toEqual(["FORBIDDEN"]);
    expect(codes(order)).toEqual(["FORBIDDEN"]);
    // The refusal says what a customer may do (the field is theirs, for themselves), not that the
    // field is closed to them.
    expect(account.errors?.[0]?.message).toBe(
      "Not allowed: Mutation.openAccount is available to customer callers only for themselves " +
        "(the owner or customer it names must be their own user id)",
    );
    expect(order.errors?.[0]?.message).toMatch(
      /Mutation\.placeOrder is available to customer callers only for themselves/,
    );
    expect(await streamLength(accountStreamId("for-bob"))).toBe(0);
  });

  it("cannot take over another customer's order id, nor learn its status", async () => {
    const taken = await mutate(alice, "placeOrder", {
      orderId: "bob-o1",
      customerId: "alice",
      currency: "USD",
      lines: [{ productId: "widget", quantity: 1 }],
      shippingAddress: address,
    });
    expect(taken).toMatchObject({ __typename: "ValidationError" });
    expect(JSON.stringify(taken)).not.toMatch(/awaiting|AWAITING/);
  });

  it("cannot cancel or ask a refund for another customer's order: OrderNotFound, nothing appended", async () => {
    const before = await streamLength(orderStreamId("bob-o1"));
    expect(await mutate(alice, "cancelOrder", { orderId: "bob-o1", reason: "mine now" })).toMatchObject({
      __typename: "OrderNotFound",
    });
    expect(await mutate(alice, "requestRefund", { orderId: "bob-o1", reason: "mine now" })).toMatchObject({
      __typename: "OrderNotFound",
    });
    expect(await streamLength(orderStreamId("bob-o1"))).toBe(before);
    expect(
      (await mutate(bob, "cancelOrder", { orderId: "bob-o1", reason: "changed my mind" })).events,
    ).toEqual(["OrderCancelled"]);
  });

  it.each([
    ["SSE", subscribeSse],
    ["WebSocket", subscribeWs],
  ] as const)(
    "cannot subscribe over %s to another customer's account, order or order feed",
    async (_name, subscribe) => {
      const token = await tokenFor(t.config, "customer", "alice");
      const views = [
        [`subscription { accountUpdated(id: "bob-1") { position } }`, "NOT_FOUND"],
        [`subscription { orderUpdated(id: "bob-o1") { position } }`, "NOT_FOUND"],
        [`subscription { customerOrders(customerId: "bob") { position } }`, "FORBIDDEN"],
      ] as const;
      for (const [query, code] of views) {
        const live = await subscribe<{ errors?: { extensions?: { code?: string } }[] }>(
          t.url,
          query,
          {},
          { token },
        );
        const first = (await firstPush(live)) as { errors: { extensions?: { code?: string } }[] };
        await live.close();
        expect(
          first.errors.map((e) => e.extensions?.code),
          query,
        ).toEqual([code]);
      }
      // Their own account's live view works, with the same token and transport.
      const own = await subscribe<{ data?: { accountUpdated: { account: { id: string } } } }>(
        t.url,
        `subscription { accountUpdated(id: "alice-1") { account { id } } }`,
        {},
        { token },
      );
      const [push] = await own.waitFor(1);
      await own.close();
      expect(push?.data?.accountUpdated.account.id).toBe("alice-1");
    },
  );
});

describe("roles", () => {
  const adminOperations = [
    `{ projections { projector } }`,
    `{ parkedEvents(projector: "accounts") { eventId } }`,
    `mutation { replayParkedEvents(projector: "accounts") }`,
    `{ debugReplay(aggregate: ACCOUNT, id: "bob-1") { state } }`,
  ];

  it("refuses admin operations to customers and staff", async () => {
    for (const client of [alice, staff]) {
      for (const operation of adminOperations) {
        expect(codes(await client.gql(operation)), operation).toEqual(["FORBIDDEN"]);
      }
    }
    for (const operation of adminOperations) {
      expect((await admin.gql(operation)).errors, operation).toBeUndefined();
    }
    const live = `subscription { projectionsUpdated { projector } }`;
    expect(
      codes(await overWebSocket(t.url, { query: live }, await tokenFor(t.config, "staff", "sam"))),
    ).toEqual(["FORBIDDEN"]);
    expect(
      (await overWebSocket(t.url, { query: live }, await tokenFor(t.config, "admin", "ada"))).errors,
    ).toBeUndefined();
  });

  it("refuses staff operations and internal figures to customers, and allows them to staff", async () => {
    const staffOnly = [
      `{ revenue { total { orders } } }`,
      `{ lowStock { id } }`,
      `{ regions { region } }`,
      `{ ordersByRegion(region: "US-CA") { totalCount } }`,
      `{ product(id: "widget") { onHand } }`,
      `mutation { shipOrder(input: { orderId: "alice-o1", trackingNumber: "T" }) { __typename } }`,
      `mutation { restockProduct(input: { productId: "widget", quantity: 1 }) { __typename } }`,
      `mutation { reverseWithdrawal(input: { accountId: "alice-1", withdrawalId: "w", reason: "r" }) { __typename } }`,
    ];
    for (const operation of staffOnly) {
      expect(codes(await alice.gql(operation)), operation).toEqual(["FORBIDDEN"]);
      expect((await staff.gql(operation)).errors, operation).toBeUndefined();
    }
    const catalog = await alice.gql<{ product: { available: number } }>(
      `{ product(id: "widget") { available } }`,
    );
    expect(catalog.data?.product.available).toBeGreaterThan(0);
  });

  it("lets staff read every customer's views but not move customers' money", async () => {
    const read = await staff.gql<{ account: { ownerId: string } }>(`{ account(id: "bob-1") { ownerId } }`);
    expect(read.data?.account.ownerId).toBe("bob");
    expect(codes(await mutateRaw(staff, "deposit", { accountId: "bob-1", amount: usd("1.00") }))).toEqual([
      "FORBIDDEN",
    ]);
  });
});
