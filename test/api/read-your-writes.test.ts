import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiService, tokenFor, type ApiClient, type ApiService } from "./support/api";
import { address, codes, mutate, usd } from "./support/fixtures";
import { overWebSocket } from "./support/ws";
import { eventually } from "../support/service";

let t: ApiService;
let alice: ApiClient;
let staff: ApiClient;

beforeAll(async () => {
  t = await startApiService({ RATE_LIMIT_MUTATIONS: "0" });
  alice = await t.as("customer", "alice");
  staff = await t.as("staff", "sam");
  await mutate(alice, "openAccount", { accountId: "ryw", ownerId: "alice", currency: "USD" });
});
afterAll(async () => {
  await t?.stop();
});

const readAt = `query($position: Position!) {
  atPosition(position: $position) { account(id: "ryw") { revision balance { amount } } }
}`;
type ReadAt = { atPosition: { account: { revision: number; balance: { amount: string } } | null } };

describe("read your writes", () => {
  it("answers a query asked for a mutation's position with that write in it, every time (50 in a row)", async () => {
    for (let i = 1; i <= 50; i++) {
      const written = await mutate(alice, "deposit", { accountId: "ryw", amount: usd("1.00") });
      const read = await alice.gql<ReadAt>(readAt, { position: written.position });
      expect(read.errors).toBeUndefined();
      expect(read.data?.atPosition.account).toEqual({
        revision: written.revision,
        balance: { amount: `${i}.00` },
      });
    }
  });

  it("returns the projected view from the mutation itself when asked (50 in a row)", async () => {
    for (let i = 1; i <= 50; i++) {
      const answer = await alice.gql<{
        withdraw: { revision: number; account: { revision: number; balance: { amount: string } } };
      }>(
        `mutation { withdraw(input: { accountId: "ryw", amount: { amount: "1.00", currency: "USD" } }) {
          ... on AccountChange { revision account { revision balance { amount } } } } }`,
      );
      expect(answer.errors).toBeUndefined();
      const { revision, account } = answer.data!.withdraw;
      expect(account).toEqual({ revision, balance: { amount: `${50 - i}.00` } });
    }
  });

  it("works over WebSocket too", async () => {
    const token = await tokenFor(t.config, "customer", "alice");
    const written = await overWebSocket<{ deposit: { position: string; revision: number } }>(
      t.url,
      {
        query: `mutation { deposit(input: { accountId: "ryw", amount: { amount: "5.00", currency: "USD" } }) { ... on AccountChange { position revision } } }`,
      },
      token,
    );
    const read = await overWebSocket<ReadAt>(
      t.url,
      { query: readAt, variables: { position: written.data!.deposit.position } },
      token,
    );
    expect(read.data?.atPosition.account?.revision).toBe(written.data!.deposit.revision);
  });

  it("waits for every view the query reads: an order, the customer's list and the stock, right after placing it", async () => {
    const product = await mutate(staff, "addProduct", {
      productId: "ryw-widget",
      sku: "RW-1",
      name: "Widget",
      price: usd("2.00"),
      initialStock: 10,
    });
    const ready = await staff.gql<{ atPosition: { product: { available: number } } }>(
      `query($p: Position!) { atPosition(position: $p) { product(id: "ryw-widget") { available } } }`,
      { p: product.position },
    );
    expect(ready.data?.atPosition.product.available).toBe(10);
    const placed = await mutate(alice, "placeOrder", {
      orderId: "ryw-order",
      customerId: "alice",
      currency: "USD",
      lines: [{ productId: "ryw-widget", quantity: 3 }],
      shippingAddress: address,
    });
    const read = await alice.gql<{
      atPosition: {
        order: { status: string };
        ordersByCustomer: { edges: { node: { id: string } }[] };
        product: { available: number };
      };
    }>(
      `query($p: Position!) { atPosition(position: $p) {
        order(id: "ryw-order") { status }
        ordersByCustomer(customerId: "alice") { edges { node { id } } }
        product(id: "ryw-widget") { available } } }`,
      { p: placed.position },
    );
    expect(read.errors).toBeUndefined();
    // Every view is at the placing's position or later: the order and the customer's list hold it.
    // The order process may already have held the stock by the time the views are read (each view
    // is at least at the position, not exactly at it), so the stock is the one before or after.
    const { order, ordersByCustomer, product: stock } = read.data!.atPosition;
    expect(["AWAITING_STOCK", "AWAITING_PAYMENT"]).toContain(order.status);
    expect(ordersByCustomer).toEqual({ edges: [{ node: { id: "ryw-order" } }] });
    expect(order.status === "AWAITING_PAYMENT" ? [7] : [10, 7]).toContain(stock.available);
    // The order process's answer has a position too: read at it, every view shows the held stock.
    const final = await eventually(async () => {
      const now = await alice.gql<{ order: { status: string; position: string } }>(
        `{ order(id: "ryw-order") { status position } }`,
      );
      expect(now.data?.order.status).not.toBe("AWAITING_STOCK");
      return now.data!.order;
    });
    expect(final.status).toBe("AWAITING_PAYMENT");
    const after = await alice.gql<{
      atPosition: { order: { status: string }; product: { available: number } };
    }>(
      `query($p: Position!) { atPosition(position: $p) {
        order(id: "ryw-order") { status } product(id: "ryw-widget") { available } } }`,
      { p: final.position },
    );
    expect(after.data?.atPosition).toEqual({
      order: { status: "AWAITING_PAYMENT" },
      product: { available: 7 },
    });
  });

  it("answers for a view whose projector never sees that event, once it has passed the position", async () => {
    const written = await mutate(alice, "deposit", { accountId: "ryw", amount: usd("1.00") });
    // Revenue is projected from orders only; an account event never moves its checkpoint.
    const read = await staff.gql<{ atPosition: { revenue: { currency: string } } }>(
      `query($p: Position!) { atPosition(position: $p, timeoutMs: 10000) { revenue { currency } } }`,
      { p: written.position },
    );
    expect(read.errors).toBeUndefined();
    expect(read.data?.atPosition.revenue.currency).toBe("USD");
  });

  it("fails clearly when the views do not get there in time, and refuses unbounded waits", async () => {
    const late = await alice.gql(
      `{ atPosition(position: "99999999999:0", timeoutMs: 50) { account(id: "ryw") { id } } }`,
    );
    expect(codes(late)).toEqual(["POSITION_NOT_REACHED"]);
    expect(late.errors?.[0]?.message).toMatch(
      /did not reach position 99999999999:0 within 50 ms \(behind: accounts at \d+:\d+\)/,
    );
    const unbounded = await alice.gql(`{ atPosition(position: "1:0", timeoutMs: 600000) { __typename } }`);
    expect(codes(unbounded)).toEqual(["BAD_USER_INPUT"]);
  });
});
