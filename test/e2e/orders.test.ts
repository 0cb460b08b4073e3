import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, projectionsCaughtUp, startTestService, type TestService } from "../support/service";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

type Result = { __typename: string; id?: string; events?: string[]; position?: string; code?: string };

async function mutate(name: string, input: Record<string, unknown>): Promise<Result> {
  const inputType = `${name[0]!.toUpperCase()}${name.slice(1)}Input`;
  const response = await t.gql<Record<string, Result>>(
    `mutation($input: ${inputType}!) { ${name}(input: $input) {
      __typename ... on Change { id events position } ... on Error { code message } } }`,
    { input },
  );
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data![name]!;
}

const usd = (amount: string) => ({ amount, currency: "USD" });
const address = {
  line1: "1 Main St",
  city: "Springfield",
  postalCode: "12345",
  country: "US",
  region: "US-CA",
};

interface Snapshot {
  order: {
    status: string;
    total: { amount: string } | null;
    trackingNumber: string | null;
    itemCount: number;
  } | null;
  ordersByCustomer: { totalCount: number; edges: { node: { id: string; status: string } }[] };
  widget: { onHand: number; reserved: number; sold: number; available: number };
  gadget: { onHand: number; reserved: number; sold: number; available: number };
  revenue: {
    total: { revenue: { amount: string }; orders: number; refunds: { amount: string }; refundCount: number };
  };
  regions: { region: string; orders: number }[];
}

const snapshotQuery = `query($orderId: ID!, $customerId: ID!) {
  order(id: $orderId) { status total { amount } trackingNumber itemCount }
  ordersByCustomer(customerId: $customerId) { totalCount edges { node { id status } } }
  widget: product(id: "widget") { onHand reserved sold available }
  gadget: product(id: "gadget") { onHand reserved sold available }
  revenue(currency: "USD") { total { revenue { amount } orders refunds { amount } refundCount } }
  regions { region orders }
}`;

async function settled(orderId: string, customerId: string): Promise<Snapshot> {
  await projectionsCaughtUp(t);
  const response = await t.gql<Snapshot>(snapshotQuery, { orderId, customerId });
  expect(response.errors).toBeUndefined();
  return response.data!;
}

async function refused(name: string, input: Record<string, unknown>, typename: string) {
  const result = await mutate(name, input);
  expect(result.__typename, `${name} should be refused`).toBe(typename);
}

describe("an order through its whole lifecycle, every view consistent after each step", () => {
  it("drives one order through every legal transition and refuses every illegal one", async () => {
    expect(
      (
        await mutate("addProduct", {
          productId: "widget",
          sku: "W-1",
          name: "Widget",
          price: usd("10.00"),
          initialStock: 20,
        })
      ).__typename,
    ).toBe("Change");
    expect(
      (
        await mutate("addProduct", {
          productId: "gadget",
          sku: "G-1",
          name: "Gadget",
          price: usd("2.50"),
          initialStock: 5,
        })
      ).__typename,
    ).toBe("Change");
    await projectionsCaughtUp(t);

    const placed = await mutate("placeOrder", {
      orderId: "o-1",
      customerId: "carla",
      currency: "USD",
      lines: [
        { productId: "widget", quantity: 3 },
        { productId: "gadget", quantity: 2 },
      ],
      shippingAddress: address,
    });
    expect(placed).toMatchObject({ __typename: "Change", id: "o-1", events: ["OrderPlaced"] });
    let view = await settled("o-1", "carla");
    // 3 × 10.00 + 2 × 2.50 = 35.00; US-CA tax 7.25% = 2.5375 → 2.54 (half up); total 37.54
    expect(view.order).toMatchObject({
      status: "AWAITING_PAYMENT",
      total: { amount: "37.54" },
      itemCount: 5,
    });
    expect(view.ordersByCustomer.totalCount).toBe(1);
    expect(view.widget).toEqual({ onHand: 20, reserved: 3, sold: 0, available: 17 });
    expect(view.gadget).toEqual({ onHand: 5, reserved: 2, sold: 0, available: 3 });
    expect(view.regions).toEqual([{ region: "US-CA", orders: 1 }]);

    await refused("shipOrder", { orderId: "o-1", trackingNumber: "T1" }, "OrderNotPaid");
    await refused("deliverOrder", { orderId: "o-1" }, "InvalidOrderTransition");
    await refused("issueRefund", { orderId: "o-1" }, "InvalidOrderTransition");
    await refused(
      "confirmPayment",
      { orderId: "nope", amount: usd("1.00"), paymentReference: "p" },
      "OrderNotFound",
    );

    const declined = await mutate("confirmPayment", {
      orderId: "o-1",
      amount: usd("37.00"),
      paymentReference: "pay-0",
    });
    expect(declined.events).toEqual(["PaymentDeclined"]);
    view = await settled("o-1", "carla");
    expect(view.order?.status).toBe("AWAITING_PAYMENT");
    expect(view.revenue.total.orders).toBe(0);

    expect(
      (await mutate("confirmPayment", { orderId: "o-1", amount: usd("37.54"), paymentReference: "pay-1" }))
        .events,
    ).toEqual(["PaymentConfirmed"]);
    view = await settled("o-1", "carla");
    expect(view.order?.status).toBe("PAID");
    expect(view.revenue.total).toMatchObject({ revenue: { amount: "37.54" }, orders: 1 });
    await refused(
      "confirmPayment",
      { orderId: "o-1", amount: usd("37.54"), paymentReference: "pay-2" },
      "InvalidOrderTransition",
    );

    const early = await mutate("requestRefund", { orderId: "o-1", reason: "changed my mind" });
    expect(early.events).toEqual(["RefundDenied"]);

    expect((await mutate("shipOrder", { orderId: "o-1", trackingNumber: "TRACK-1" })).events).toEqual([
      "OrderShipped",
    ]);
    view = await settled("o-1", "carla");
    expect(view.order).toMatchObject({ status: "SHIPPED", trackingNumber: "TRACK-1" });
    await refused("cancelOrder", { orderId: "o-1", reason: "too late" }, "OrderAlreadyShipped");

    expect((await mutate("deliverOrder", { orderId: "o-1" })).events).toEqual(["OrderDelivered"]);
    view = await settled("o-1", "carla");
    expect(view.order?.status).toBe("DELIVERED");
    expect(view.widget).toEqual({ onHand: 17, reserved: 0, sold: 3, available: 17 });
    expect(view.gadget).toEqual({ onHand: 3, reserved: 0, sold: 2, available: 3 });
    await refused("issueRefund", { orderId: "o-1" }, "RefundNotRequested");

    expect((await mutate("requestRefund", { orderId: "o-1", reason: "broken" })).events).toEqual([
      "RefundRequested",
    ]);
    view = await settled("o-1", "carla");
    expect(view.order?.status).toBe("REFUND_REQUESTED");

    expect((await mutate("issueRefund", { orderId: "o-1" })).events).toEqual(["RefundIssued"]);
    view = await settled("o-1", "carla");
    expect(view.order?.status).toBe("REFUNDED");
    expect(view.revenue.total).toMatchObject({
      revenue: { amount: "37.54" },
      orders: 1,
      refunds: { amount: "37.54" },
      refundCount: 1,
    });
    // The refund is for goods sent back: they are on the shelf again, no longer sold.
    expect(view.widget).toEqual({ onHand: 20, reserved: 0, sold: 0, available: 20 });
    expect(view.gadget).toEqual({ onHand: 5, reserved: 0, sold: 0, available: 5 });
    await refused("issueRefund", { orderId: "o-1" }, "InvalidOrderTransition");
    await refused("cancelOrder", { orderId: "o-1", reason: "x" }, "OrderAlreadyShipped");
  });

  it("cancels before shipping, releasing the reservation and counting a paid cancellation as a refund", async () => {
    await mutate("placeOrder", {
      orderId: "o-2",
      customerId: "carla",
      currency: "USD",
      lines: [{ productId: "widget", quantity: 4 }],
      shippingAddress: { ...address, region: "DE" },
    });
    let view = await settled("o-2", "carla");
    expect(view.widget).toMatchObject({ reserved: 4, available: 16 });
    await mutate("confirmPayment", { orderId: "o-2", amount: usd("47.60"), paymentReference: "pay-3" });
    expect((await mutate("cancelOrder", { orderId: "o-2", reason: "duplicate" })).events).toEqual([
      "OrderCancelled",
    ]);
    view = await settled("o-2", "carla");
    expect(view.order?.status).toBe("CANCELLED");
    expect(view.widget).toEqual({ onHand: 20, reserved: 0, sold: 0, available: 20 });
    expect(view.revenue.total).toMatchObject({ orders: 2, refundCount: 2, refunds: { amount: "85.14" } });
    expect(view.ordersByCustomer.edges.map((e) => e.node.id)).toEqual(["o-2", "o-1"]);
    expect(view.regions).toEqual(
      expect.arrayContaining([
        { region: "US-CA", orders: 1 },
        { region: "DE", orders: 1 },
      ]),
    );
  });

  it("records a bad order as OrderRejected and refuses an unknown product at the edge", async () => {
    const rejected = await mutate("placeOrder", {
      orderId: "o-3",
      customerId: "dan",
      currency: "USD",
      lines: [],
      shippingAddress: address,
    });
    expect(rejected.events).toEqual(["OrderRejected"]);
    const unknown = await mutate("placeOrder", {
      customerId: "dan",
      currency: "USD",
      lines: [{ productId: "no-such-thing", quantity: 1 }],
      shippingAddress: address,
    });
    expect(unknown).toMatchObject({ __typename: "ValidationError", code: "VALIDATION_ERROR" });
    const view = await settled("o-3", "dan");
    expect(view.order?.status).toBe("REJECTED");
    await eventually(async () => {
      const low = await t.gql<{ lowStock: { id: string; available: number }[] }>(
        `{ lowStock(threshold: 5) { id available } }`,
      );
      expect(low.data?.lowStock).toEqual([{ id: "gadget", available: 5 }]);
    });
  });
});
