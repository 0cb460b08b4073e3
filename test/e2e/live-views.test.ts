import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscribeWs, type LiveSubscription } from "../support/live";
import { mutateOk, projectionsCaughtUp, startTestService, type TestService } from "../support/service";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

const mutate = (name: string, input: Record<string, unknown>) => mutateOk(t, name, input);

const usd = (amount: string) => ({ amount, currency: "USD" });
const address = { line1: "2 High St", city: "Leeds", postalCode: "LS1", country: "GB", region: "GB" };

type Push<K extends string, V> = { data: Record<K, { position: string; missedChanges: boolean } & V> };

describe("live order, customer, inventory and revenue views", () => {
  it("push the current view, then each change in order, and resume from a position without gaps", async () => {
    await mutate("addProduct", {
      productId: "mug",
      sku: "MUG-1",
      name: "Mug",
      price: usd("8.00"),
      initialStock: 10,
    });
    // Orders are priced from the catalog view: let it hold the new product first.
    await projectionsCaughtUp(t);
    await mutate("placeOrder", {
      orderId: "lv-1",
      customerId: "lena",
      currency: "USD",
      lines: [{ productId: "mug", quantity: 2 }],
      shippingAddress: address,
    });
    await projectionsCaughtUp(t);
    const token = await t.token("admin", "ops");

    const order = await subscribeWs<Push<"orderUpdated", { order: { status: string } }>>(
      t.url,
      `subscription { orderUpdated(id: "lv-1") { position missedChanges order { status } } }`,
      {},
      { token },
    );
    const customer = await subscribeWs<Push<"customerOrders", { order: { id: string; status: string } }>>(
      t.url,
      `subscription { customerOrders(customerId: "lena") { position order { id status } } }`,
      {},
      { token },
    );
    const stock = await subscribeWs<
      Push<"inventoryChanged", { product: { reserved: number; sold: number } }>
    >(
      t.url,
      `subscription { inventoryChanged(productId: "mug") { position product { reserved sold } } }`,
      {},
      { token },
    );
    const revenue = await subscribeWs<Push<"revenueUpdated", { revenue: { orders: number } }>>(
      t.url,
      `subscription { revenueUpdated(currency: "USD") { position revenue { orders } } }`,
      {},
      { token },
    );
    const live: LiveSubscription<unknown>[] = [order, customer, stock, revenue];
    try {
      await order.waitFor(1);
      await customer.waitFor(1);
      await stock.waitFor(1);
      await revenue.waitFor(1);
      expect(order.received[0]!.data.orderUpdated.order.status).toBe("AWAITING_PAYMENT");
      expect(stock.received[0]!.data.inventoryChanged.product).toEqual({ reserved: 2, sold: 0 });

      await mutate("confirmPayment", { orderId: "lv-1", amount: usd("19.20"), paymentReference: "p1" });
      await mutate("shipOrder", { orderId: "lv-1", trackingNumber: "TRK" });
      await mutate("deliverOrder", { orderId: "lv-1" });

      const statuses = (await order.waitFor(4)).map((p) => p.data.orderUpdated.order.status);
      expect(statuses).toEqual(["AWAITING_PAYMENT", "PAID", "SHIPPED", "DELIVERED"]);
      const customerStatuses = (await customer.waitFor(4)).map((p) => p.data.customerOrders.order.status);
      expect(customerStatuses).toEqual(["AWAITING_PAYMENT", "PAID", "SHIPPED", "DELIVERED"]);
      expect((await stock.waitFor(2))[1]!.data.inventoryChanged.product).toEqual({ reserved: 0, sold: 2 });
      // Revenue: the view now (no order paid yet: zeros), then the payment.
      const paidOrders = (await revenue.waitFor(2)).map((p) => p.data.revenueUpdated.revenue.orders);
      expect(paidOrders).toEqual([0, 1]);

      // Resuming after the first push gets exactly the three later changes.
      const since = order.received[0]!.data.orderUpdated.position;
      const resumed = await subscribeWs<Push<"orderUpdated", { order: { status: string } }>>(
        t.url,
        `subscription($since: Position) { orderUpdated(id: "lv-1", since: $since) { position missedChanges order { status } } }`,
        { since },
        { token },
      );
      live.push(resumed);
      const missed = await resumed.waitFor(3);
      expect(missed.map((p) => p.data.orderUpdated.order.status)).toEqual(["PAID", "SHIPPED", "DELIVERED"]);
      expect(missed.map((p) => p.data.orderUpdated.position)).toEqual(
        order.received.slice(1, 4).map((p) => p.data.orderUpdated.position),
      );
    } finally {
      for (const subscription of live) await subscription.close();
    }
  });
});
