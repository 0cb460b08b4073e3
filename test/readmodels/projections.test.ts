import { describe, expect, it } from "vitest";
import { accountTransactionsProjector } from "../../readmodels/account-transactions";
import { movementLayout } from "../../readmodels/account-transactions/layout";
import { accountFromHash, accountsProjector } from "../../readmodels/accounts";
import { balanceHistoryProjector } from "../../readmodels/balance-history";
import { customerOrdersProjector } from "../../readmodels/customer-orders";
import { inventoryFromHash, inventoryProjector } from "../../readmodels/inventory";
import { orderFromHash, ordersProjector } from "../../readmodels/orders";
import { ordersByRegionProjector } from "../../readmodels/orders-by-region";
import { revenueFromHash, revenueProjector } from "../../readmodels/revenue";
import { spendLayout, topCustomersProjector } from "../../readmodels/top-customers";
import { eventLog, projectionSpec } from "../support/projection-spec";

/**
 * Every view specified as given events → then the view, read back through the view's own codec
 * (no Redis here: the apply script's Redis tests are in apply-batch.test.ts).
 */

const t1 = "2026-03-01T10:00:00.000Z";
const t2 = "2026-03-02T11:00:00.000Z";
const t3 = "2026-03-03T12:00:00.000Z";

const banking = () => {
  const next = eventLog();
  const stream = (id: string) => `account-${id}`;
  return {
    opened: (id: string, ownerId = "ada") =>
      next(stream(id), "AccountOpened", { accountId: id, ownerId, currency: "EUR", openedAt: t1, at: t1 }),
    deposited: (id: string, amount: number, balanceAfter: number, at = t2) =>
      next(stream(id), "MoneyDeposited", {
        accountId: id,
        amount,
        currency: "EUR",
        balanceAfter,
        depositedAt: at,
        at,
      }),
    withdrawn: (id: string, amount: number, balanceAfter: number, at = t3) =>
      next(stream(id), "MoneyWithdrawn", {
        accountId: id,
        withdrawalId: "w-1",
        amount,
        currency: "EUR",
        balanceAfter,
        withdrawnAt: at,
        at,
      }),
    closed: (id: string) => next(stream(id), "AccountClosed", { accountId: id, closedAt: t3, at: t3 }),
  };
};

const shop = () => {
  const next = eventLog();
  const order = (id: string) => `order-${id}`;
  const line = { productId: "mug", sku: "MUG-1", quantity: 2, unitPrice: 450 };
  return {
    productAdded: (id = "mug", initialStock = 10) =>
      next(`product-${id}`, "ProductAdded", {
        productId: id,
        sku: "MUG-1",
        name: "Mug",
        price: 450,
        currency: "EUR",
        initialStock,
        addedAt: t1,
        at: t1,
      }),
    restocked: (quantity: number) =>
      next("product-mug", "ProductRestocked", { productId: "mug", quantity, restockedAt: t2, at: t2 }),
    priceChanged: (newPrice: number) =>
      next("product-mug", "PriceChanged", {
        productId: "mug",
        oldPrice: 450,
        newPrice,
        currency: "EUR",
        changedAt: t2,
      }),
    placed: (id: string, customerId = "cy", region = "DE") =>
      next(
        order(id),
        "OrderPlaced",
        {
          orderId: id,
          customerId,
          currency: "EUR",
          lines: [line],
          subtotal: 900,
          tax: 171,
          total: 1071,
          shippingAddress: { line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE", region },
          region,
          itemCount: 2,
          placedAt: t1,
          at: t1,
        },
        2,
      ),
    paid: (id: string, customerId = "cy") =>
      next(order(id), "PaymentConfirmed", {
        orderId: id,
        customerId,
        amount: 1071,
        currency: "EUR",
        paymentReference: "pay-1",
        confirmedAt: t2,
        at: t2,
      }),
    shipped: (id: string) =>
      next(order(id), "OrderShipped", {
        orderId: id,
        customerId: "cy",
        trackingNumber: "TRK-1",
        shippedAt: t2,
      }),
    delivered: (id: string) =>
      next(order(id), "OrderDelivered", {
        orderId: id,
        customerId: "cy",
        lines: [{ productId: "mug", quantity: 2 }],
        deliveredAt: t3,
        at: t3,
      }),
    cancelled: (id: string, amountPaid: number) =>
      next(order(id), "OrderCancelled", {
        orderId: id,
        customerId: "cy",
        reason: "changed my mind",
        lines: [{ productId: "mug", quantity: 2 }],
        amountPaid,
        currency: "EUR",
        cancelledAt: t3,
        at: t3,
      }),
    refunded: (id: string) =>
      next(order(id), "RefundIssued", {
        orderId: id,
        customerId: "cy",
        amount: 1071,
        currency: "EUR",
        issuedAt: t3,
      }),
  };
};

describe("accounts", () => {
  const spec = projectionSpec(accountsProjector);
  const read = (views: ReturnType<typeof spec.given>, id: string) =>
    accountFromHash(id, views.hash(spec.keys.account(id)));

  it("given an opening, a deposit and a withdrawal, then the balance after the last and its revision", () => {
    const e = banking();
    const views = spec.given([e.opened("a-1"), e.deposited("a-1", 500, 500), e.withdrawn("a-1", 200, 300)]);
    expect(read(views, "a-1")).toMatchObject({
      accountId: "a-1",
      ownerId: "ada",
      currency: "EUR",
      balance: 300,
      status: "open",
      revision: 2,
      position: "3:3",
      openedAt: t1,
      closedAt: null,
    });
    expect(views.zset(spec.keys.ownerAccounts("ada")).map(([id]) => id)).toEqual(["a-1"]);
    // Each change is kept for live clients, and announced once.
    expect(views.stream(spec.keys.accountHistory("a-1"))).toHaveLength(3);
    expect(views.notices.map(([channel]) => channel)).toEqual(Array(3).fill(spec.keys.accountChanges("a-1")));
  });

  it("given a closing, then the account is closed with the instant", () => {
    const e = banking();
    expect(read(spec.given([e.opened("a-2"), e.closed("a-2")]), "a-2")).toMatchObject({
      status: "closed",
      closedAt: t3,
    });
  });

  it("given an event twice, then it counts once", () => {
    const e = banking();
    const opened = e.opened("a-3");
    const deposit = e.deposited("a-3", 500, 500);
    expect(read(spec.given([opened, deposit, deposit]), "a-3")).toMatchObject({ balance: 500, revision: 1 });
  });

  it("given nothing, then no view", () => {
    expect(read(spec.given([]), "nobody")).toBeNull();
  });
});

describe("account transactions", () => {
  const spec = projectionSpec(accountTransactionsProjector);

  it("given movements, then one audit entry each with who, when, the request and the balance after", () => {
    const e = banking();
    const views = spec.given([e.opened("a-1"), e.deposited("a-1", 500, 500), e.withdrawn("a-1", 200, 300)]);
    const entries = views
      .stream(spec.keys.accountTransactions("a-1"))
      .map(([id, fields]) => [id, movementLayout.decode(fields)]);
    expect(entries).toEqual([
      [
        "2-2",
        {
          kind: "DEPOSIT",
          amount: 500,
          currency: "EUR",
          balanceAfter: 500,
          at: t2,
          eventId: "event-2",
          revision: 1,
          userId: "spec-user",
          correlationId: "request-2",
          reference: null,
          transferId: null,
          causationId: null,
        },
      ],
      [
        "3-3",
        expect.objectContaining({ kind: "WITHDRAWAL", amount: 200, balanceAfter: 300, reference: "w-1" }),
      ],
    ]);
  });
});

describe("balance history", () => {
  it("given movements, then the balance after each, scored by its instant", () => {
    const spec = projectionSpec(balanceHistoryProjector);
    const e = banking();
    const views = spec.given([e.opened("a-1"), e.deposited("a-1", 500, 500), e.withdrawn("a-1", 200, 300)]);
    expect(views.zset(spec.keys.accountBalances("a-1"))).toEqual([
      ["000000000000000:0", Date.parse(t1)],
      ["000000000000001:500", Date.parse(t2)],
      ["000000000000002:300", Date.parse(t3)],
    ]);
  });
});

describe("orders", () => {
  const spec = projectionSpec(ordersProjector);

  it("given an order placed, paid, shipped and delivered, then its status with every step's instant", () => {
    const e = shop();
    const views = spec.given([e.placed("o-1"), e.paid("o-1"), e.shipped("o-1"), e.delivered("o-1")]);
    const order = orderFromHash("o-1", views.hash(spec.keys.order("o-1")));
    expect(order).toMatchObject({
      orderId: "o-1",
      customerId: "cy",
      status: "delivered",
      currency: "EUR",
      total: 1071,
      tax: 171,
      itemCount: 2,
      lines: [{ productId: "mug", sku: "MUG-1", quantity: 2, unitPrice: 450 }],
      address: { line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" },
      region: "DE",
      trackingNumber: "TRK-1",
      paymentReference: "pay-1",
      revision: 3,
    });
    expect(order?.steps).toMatchObject({
      placedAt: t1,
      paidAt: t2,
      shippedAt: t2,
      deliveredAt: t3,
      cancelledAt: null,
    });
    // The order's history and its customer's history both hold each change.
    expect(views.stream(spec.keys.orderHistory("o-1"))).toHaveLength(4);
    expect(views.stream(spec.keys.customerOrderHistory("cy"))).toHaveLength(4);
  });

  it("given a paid order cancelled, then cancelled with the reason", () => {
    const e = shop();
    const views = spec.given([e.placed("o-2"), e.paid("o-2"), e.cancelled("o-2", 1071)]);
    expect(orderFromHash("o-2", views.hash(spec.keys.order("o-2")))).toMatchObject({
      status: "cancelled",
      cancelReason: "changed my mind",
    });
  });
});

describe("customer orders", () => {
  it("given orders of two customers, then each customer's orders by placement", () => {
    const spec = projectionSpec(customerOrdersProjector);
    const e = shop();
    const views = spec.given([
      e.placed("o-1", "cy"),
      e.placed("o-2", "cy"),
      e.placed("o-3", "di"),
      e.paid("o-1"),
    ]);
    expect(views.zset(spec.keys.customerOrders("cy")).map(([id]) => id)).toEqual(["o-1", "o-2"]);
    expect(views.zset(spec.keys.customerOrders("di")).map(([id]) => id)).toEqual(["o-3"]);
  });
});

describe("orders by region", () => {
  it("given orders placed in two regions, then the orders of each and a count per region", () => {
    const spec = projectionSpec(ordersByRegionProjector);
    const e = shop();
    const views = spec.given([
      e.placed("o-1", "cy", "DE"),
      e.placed("o-2", "cy", "DE"),
      e.placed("o-3", "cy", "FR"),
    ]);
    expect(views.zset(spec.keys.regions())).toEqual([
      ["FR", 1],
      ["DE", 2],
    ]);
    expect(views.zset(spec.keys.regionOrders("DE")).map(([id]) => id)).toEqual(["o-1", "o-2"]);
  });
});

describe("inventory", () => {
  const spec = projectionSpec(inventoryProjector);
  const read = (views: ReturnType<typeof spec.given>) =>
    inventoryFromHash("mug", views.hash(spec.keys.inventory("mug")));

  it("given a product restocked, an order placed and delivered, then on hand, reserved, sold and available", () => {
    const e = shop();
    const views = spec.given([e.productAdded(), e.restocked(5), e.placed("o-1"), e.delivered("o-1")]);
    expect(read(views)).toMatchObject({
      sku: "MUG-1",
      name: "Mug",
      price: 450,
      currency: "EUR",
      status: "active",
      onHand: 13,
      reserved: 0,
      sold: 2,
      available: 13,
    });
    expect(views.zset(spec.keys.inventoryAvailable())).toEqual([["mug", 13]]);
  });

  it("given an order placed then cancelled, then its units are available again; a new price is kept", () => {
    const e = shop();
    const views = spec.given([e.productAdded(), e.placed("o-1"), e.cancelled("o-1", 0), e.priceChanged(500)]);
    expect(read(views)).toMatchObject({ onHand: 10, reserved: 0, available: 10, price: 500 });
  });

  it("given an order placed, then its units are reserved, not available", () => {
    const e = shop();
    expect(read(spec.given([e.productAdded(), e.placed("o-1")]))).toMatchObject({
      onHand: 10,
      reserved: 2,
      available: 8,
    });
  });
});

describe("revenue", () => {
  const spec = projectionSpec(revenueProjector);

  it("given payments, a refund and a paid order cancelled, then revenue, refunds and their counts, in total and per day", () => {
    const e = shop();
    const views = spec.given([
      e.placed("o-1"),
      e.paid("o-1"),
      e.placed("o-2"),
      e.paid("o-2"),
      e.refunded("o-2"),
      e.placed("o-3"),
      e.paid("o-3"),
      e.cancelled("o-3", 1071),
    ]);
    expect(revenueFromHash("EUR", views.hash(spec.keys.revenueTotal("EUR")))).toMatchObject({
      currency: "EUR",
      day: null,
      revenue: 3 * 1071,
      orders: 3,
      refunds: 2 * 1071,
      refundCount: 2,
    });
    expect(revenueFromHash("EUR", views.hash(spec.keys.revenueDay("EUR", "2026-03-02")))).toMatchObject({
      day: "2026-03-02",
      revenue: 3 * 1071,
      orders: 3,
      refunds: 0,
    });
    expect(views.zset(spec.keys.revenueDays("EUR")).map(([day]) => day)).toEqual([
      "2026-03-02",
      "2026-03-03",
    ]);
  });

  it("given an unpaid order cancelled, then nothing to refund", () => {
    const e = shop();
    const views = spec.given([e.placed("o-4"), e.cancelled("o-4", 0)]);
    expect(views.hash(spec.keys.revenueTotal("EUR"))).toEqual({});
  });
});

describe("top customers", () => {
  it("given payments and refunds of two customers, then ranked by net spend with their figures", () => {
    const spec = projectionSpec(topCustomersProjector);
    const e = shop();
    const views = spec.given([
      e.placed("o-1", "cy"),
      e.paid("o-1", "cy"),
      e.placed("o-2", "cy"),
      e.paid("o-2", "cy"),
      e.refunded("o-2"),
      e.placed("o-3", "di"),
      e.paid("o-3", "di"),
      e.placed("o-4", "di"),
      e.paid("o-4", "di"),
    ]);
    const ranking = views.keys().find((key) => /top-customers:EUR$/.test(key))!;
    expect(views.zset(ranking)).toEqual([
      ["cy", 1071],
      ["di", 2 * 1071],
    ]);
    const spendOf = (customer: string) =>
      spendLayout.decode(views.hash(views.keys().find((key) => key.endsWith(`:customer:${customer}`))!));
    expect(spendOf("cy")).toEqual({
      customerId: "cy",
      currency: "EUR",
      paid: 2 * 1071,
      refunded: 1071,
      paidOrders: 2,
    });
    expect(spendOf("di")).toMatchObject({ paid: 2 * 1071, refunded: 0, paidOrders: 2 });
  });
});
