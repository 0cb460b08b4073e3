import { describe, expect, it } from "vitest";
import type { OrderCommand, PlaceOrder } from "../../domain/ordering/commands";
import { orderDecider } from "../../domain/ordering/decider";
import {
  InvalidOrderTransition,
  OrderAlreadyExists,
  OrderAlreadyShipped,
  OrderNotFound,
  OrderNotPaid,
  RefundNotRequested,
} from "../../domain/ordering/errors";
import type { OrderEvent, OrderPlaced } from "../../domain/ordering/events";
import { instantMillis } from "../../domain/ordering/instants";
import type { OrderState } from "../../domain/ordering/state";
import { DEFAULT_TAX_RATE_BPS, taxOn, taxRateBps } from "../../domain/ordering/tax";
import { fold } from "../../domain/shared/decider";
import { ValidationError } from "../../domain/shared/errors";
import { deciderSpec } from "../support/decider-spec";

const spec = deciderSpec(orderDecider);
const orderId = "o-1";
const customerId = "c-1";
const placedAt = "2026-01-05T09:00:00.000Z";
const at = "2026-01-06T10:00:00.000Z";
const deliveredAt = "2026-01-10T12:00:00.000Z";
const address = {
  line1: "1 Market St",
  city: "San Francisco",
  postalCode: "94105",
  country: "US",
  region: "US-CA",
};

// 2 × 12.50 + 1 × 5.00 = 30.00; tax at 7.25 % is 2.175 → 2.18 (half-up); total 32.18.
const place = (overrides: Partial<PlaceOrder> = {}): PlaceOrder => ({
  type: "PlaceOrder",
  orderId,
  customerId,
  currency: "USD",
  lines: [
    { productId: "p-mug", sku: "MUG-001", quantity: 2, unitPrice: 1250 },
    { productId: "p-tea", quantity: 1, unitPrice: 500 },
  ],
  shippingAddress: address,
  at: placedAt,
  ...overrides,
});
const placedData: OrderPlaced["data"] = {
  orderId,
  customerId,
  currency: "USD",
  lines: [
    { productId: "p-mug", sku: "MUG-001", quantity: 2, unitPrice: 1250 },
    { productId: "p-tea", sku: null, quantity: 1, unitPrice: 500 },
  ],
  subtotal: 3000,
  tax: 218,
  total: 3218,
  shippingAddress: address,
  region: "US-CA",
  itemCount: 3,
  placedAt,
  stockOnProducts: true,
};
const lines = [
  { productId: "p-mug", quantity: 2 },
  { productId: "p-tea", quantity: 1 },
];

const confirmStock: OrderCommand = { type: "ConfirmStock", orderId, at };
const shortages = [
  { productId: "p-mug", requested: 2, available: 1, reason: "insufficient_stock" as const },
  { productId: "p-tea", requested: 1, available: 0, reason: "discontinued" as const },
];
const rejectForStock: OrderCommand = { type: "RejectForStock", orderId, shortages, at };
const confirm = (amount = 3218, currency = "USD"): OrderCommand => ({
  type: "ConfirmPayment",
  orderId,
  amount,
  currency,
  paymentReference: "pay-1",
  at,
});
const ship = (trackingNumber = "1Z999"): OrderCommand => ({ type: "ShipOrder", orderId, trackingNumber, at });
const deliver: OrderCommand = { type: "DeliverOrder", orderId, at: deliveredAt };
const cancel = (reason = "changed my mind"): OrderCommand => ({ type: "CancelOrder", orderId, reason, at });
const requestRefund = (when = "2026-01-20T08:00:00.000Z", reason = "broken"): OrderCommand => ({
  type: "RequestRefund",
  orderId,
  reason,
  at: when,
});
const issueRefund: OrderCommand = { type: "IssueRefund", orderId, at };
const recalculate = (rateBps: number): OrderCommand => ({
  type: "RecalculateTax",
  orderId,
  rateBps,
  correctionId: "c-1",
  at: "2026-02-01T00:00:00.000Z",
});

const placed: OrderEvent = { type: "OrderPlaced", data: placedData };
const rejected: OrderEvent = {
  type: "OrderRejected",
  data: {
    orderId,
    customerId,
    reason: "no_lines",
    detail: "An order needs at least one line",
    rejectedAt: placedAt,
  },
};
const stockReserved: OrderEvent = {
  type: "OrderStockReserved",
  data: { orderId, customerId, reservedAt: at },
};
const rejectedForStock: OrderEvent = {
  type: "OrderRejected",
  data: {
    orderId,
    customerId,
    reason: "out_of_stock",
    detail: "Not enough stock: p-mug: 2 requested, 1 available; p-tea: discontinued",
    shortages,
    rejectedAt: at,
  },
};
const paymentConfirmed: OrderEvent = {
  type: "PaymentConfirmed",
  data: {
    orderId,
    customerId,
    amount: 3218,
    currency: "USD",
    paymentReference: "pay-1",
    confirmedAt: at,
    tax: 218,
  },
};
const shipped: OrderEvent = {
  type: "OrderShipped",
  data: { orderId, customerId, trackingNumber: "1Z999", shippedAt: at },
};
const delivered: OrderEvent = {
  type: "OrderDelivered",
  data: { orderId, customerId, lines, deliveredAt, stockOnProducts: true },
};
const cancelled = (amountPaid: number): OrderEvent => ({
  type: "OrderCancelled",
  data: {
    orderId,
    customerId,
    reason: "changed my mind",
    lines,
    amountPaid,
    currency: "USD",
    cancelledAt: at,
    stockOnProducts: true,
    ...(amountPaid > 0 && { taxPaid: 218 }),
  },
});
const refundRequested = (requestedAt = "2026-01-20T08:00:00.000Z"): OrderEvent => ({
  type: "RefundRequested",
  data: { orderId, customerId, reason: "broken", requestedAt },
});
const refundDenied = (reason: "not_delivered" | "refund_window_passed", deniedAt: string): OrderEvent => ({
  type: "RefundDenied",
  data: { orderId, customerId, reason, requestReason: "broken", deniedAt },
});
const refundIssued: OrderEvent = {
  type: "RefundIssued",
  data: { orderId, customerId, amount: 3218, currency: "USD", issuedAt: at, tax: 218 },
};

const history = {
  new: [],
  rejected: [rejected],
  awaiting_stock: [placed],
  awaiting_payment: [placed, stockReserved],
  paid: [placed, stockReserved, paymentConfirmed],
  shipped: [placed, stockReserved, paymentConfirmed, shipped],
  delivered: [placed, stockReserved, paymentConfirmed, shipped, delivered],
  refund_requested: [placed, stockReserved, paymentConfirmed, shipped, delivered, refundRequested()],
  refunded: [placed, stockReserved, paymentConfirmed, shipped, delivered, refundRequested(), refundIssued],
  cancelled: [placed, cancelled(0)],
} satisfies Record<OrderState["status"], OrderEvent[]>;
type Status = keyof typeof history;
type Outcome = OrderEvent["type"] | (new (...args: never[]) => Error);

describe("Order state machine", () => {
  // Every status × every command: the event a legal move records, or the error that refuses it.
  const N = OrderNotFound;
  const X = OrderAlreadyExists;
  const I = InvalidOrderTransition;
  const S = OrderAlreadyShipped;
  // prettier-ignore
  const table = {
    //                 PlaceOrder     ConfirmStock          RejectForStock   ConfirmPayment      ShipOrder       DeliverOrder      CancelOrder       RequestRefund      IssueRefund          RecalculateTax
    new:              ["OrderPlaced", N,                    N,               N,                  N,              N,                N,                N,                 N, N],
    rejected:         [X,             I,                    I,               I,                  I,              I,                I,                I,                 I, I],
    awaiting_stock:   [X,             "OrderStockReserved", "OrderRejected", I,                  OrderNotPaid,   I,                "OrderCancelled", I,                 I, I],
    awaiting_payment: [X,             I,                    I,               "PaymentConfirmed", OrderNotPaid,   I,                "OrderCancelled", I,                 I, I],
    paid:             [X,             I,                    I,               I,                  "OrderShipped", I,                "OrderCancelled", "RefundDenied",    I, "OrderTaxRecalculated"],
    shipped:          [X,             I,                    I,               I,                  I,              "OrderDelivered", S,                "RefundDenied",    I, "OrderTaxRecalculated"],
    delivered:        [X,             I,                    I,               I,                  I,              I,                S,                "RefundRequested", RefundNotRequested, "OrderTaxRecalculated"],
    refund_requested: [X,             I,                    I,               I,                  I,              I,                S,                I,                 "RefundIssued", "OrderTaxRecalculated"],
    refunded:         [X,             I,                    I,               I,                  I,              I,                S,                I,                 I, I],
    cancelled:        [X,             I,                    I,               I,                  I,              I,                I,                I,                 I, I],
  } satisfies Record<Status, Outcome[]>;
  const commands: OrderCommand[] = [
    place(),
    confirmStock,
    rejectForStock,
    confirm(),
    ship(),
    deliver,
    cancel(),
    requestRefund(),
    issueRefund,
    recalculate(500),
  ];
  const cells = Object.entries(table).flatMap(([status, row]) =>
    row.map((outcome, index) => ({ status: status as Status, command: commands[index]!, outcome })),
  );

  for (const { status, command, outcome } of cells) {
    if (typeof outcome === "string") {
      it(`${status}: ${command.type} records ${outcome}`, () => {
        const events = orderDecider.decide(command, fold(orderDecider, history[status]));
        expect(events.map((event) => event.type)).toEqual([outcome]);
      });
    } else {
      it(`${status}: ${command.type} is refused with ${outcome.name}`, () => {
        const fields = outcome === I ? { orderId, from: status, command: command.type } : { orderId };
        spec.given(history[status]).when(command).thenThrows(outcome, fields);
      });
    }
  }
  it.each(Object.keys(history) as Status[])("folds the %s history into that status", (status) =>
    spec.given(history[status]).thenState({ status }),
  );
  it("folds the rest of a history on from the state its beginning left", () => {
    const events = history.refunded;
    const half = Math.floor(events.length / 2);
    const continued = fold(orderDecider, events.slice(half), fold(orderDecider, events.slice(0, half)));
    expect(continued).toEqual(fold(orderDecider, events));
  });
});

describe("Placing an order", () => {
  it("prices the lines, adds the region's tax and counts the items", () =>
    spec.given([]).when(place()).then([placed]));
  it("upper-cases the region it taxes by", () =>
    spec
      .given([])
      .when(place({ shippingAddress: { ...address, region: " us-ca " } }))
      .then([placed]));
  it("taxes an unlisted region at the default rate", () =>
    spec
      .given([])
      .when(place({ shippingAddress: { ...address, country: "AQ", region: "AQ" } }))
      .then([
        {
          type: "OrderPlaced",
          data: {
            ...placedData,
            shippingAddress: { ...address, country: "AQ", region: "AQ" },
            region: "AQ",
            tax: 300,
            total: 3300,
          },
        },
      ]));
  it("accepts lines the catalog prices in the order's currency", () =>
    spec
      .given([])
      .when(place({ lines: [{ productId: "p-tea", quantity: 1, unitPrice: 500, currency: "USD" }] }))
      .then([
        expect.objectContaining({
          type: "OrderPlaced",
          data: expect.objectContaining({ subtotal: 500, tax: 36, total: 536 }),
        }),
      ]));

  const rejection = (reason: string, placeOrder: PlaceOrder) =>
    spec
      .given([])
      .when(placeOrder)
      .then([
        {
          type: "OrderRejected",
          data: { orderId, customerId, reason, detail: expect.any(String), rejectedAt: placedAt },
        } as OrderEvent,
      ]);
  it("rejects an order without lines", () => rejection("no_lines", place({ lines: [] })));
  it.each([0, -1, 1.5, Number.NaN])("rejects a quantity of %s", (quantity) =>
    rejection("invalid_quantity", place({ lines: [{ productId: "p-tea", quantity, unitPrice: 500 }] })),
  );
  it.each([0, -500, 4.99])("rejects a unit price of %s", (unitPrice) =>
    rejection("invalid_unit_price", place({ lines: [{ productId: "p-tea", quantity: 1, unitPrice }] })),
  );
  it("rejects a line priced in another currency", () =>
    rejection(
      "currency_mismatch",
      place({ lines: [{ productId: "p-tea", quantity: 1, unitPrice: 500, currency: "EUR" }] }),
    ));
  it("rejects the same product on two lines", () =>
    rejection(
      "duplicate_product",
      place({
        lines: [
          { productId: "p-tea", quantity: 1, unitPrice: 500 },
          { productId: "p-tea", quantity: 2, unitPrice: 500 },
        ],
      }),
    ));
  it("rejects a total beyond exact integers", () =>
    rejection(
      "amount_too_large",
      place({ lines: [{ productId: "p-gold", quantity: 1000, unitPrice: Number.MAX_SAFE_INTEGER }] }),
    ));
  it("remembers a rejection", () =>
    spec.given([rejected]).thenState({ status: "rejected", reason: "no_lines" }));

  it.each([
    ["customerId", place({ customerId: " " })],
    ["currency", place({ currency: "XXX" })],
    ["at", place({ at: "yesterday" })],
    ["shippingAddress.line1", place({ shippingAddress: { ...address, line1: "" } })],
    ["shippingAddress.city", place({ shippingAddress: { ...address, city: "" } })],
    ["shippingAddress.postalCode", place({ shippingAddress: { ...address, postalCode: " " } })],
    ["shippingAddress.country", place({ shippingAddress: { ...address, country: "" } })],
    ["shippingAddress.region", place({ shippingAddress: { ...address, region: "" } })],
    ["lines[0].productId", place({ lines: [{ productId: "", quantity: 1, unitPrice: 1 }] })],
  ])("refuses a malformed request (%s) without recording anything", (field, command) =>
    spec.given([]).when(command).thenThrows(ValidationError, { field }),
  );
});

describe("Paying for an order", () => {
  it("confirms a payment of exactly the total", () =>
    spec.given(history.awaiting_payment).when(confirm()).then([paymentConfirmed]));
  it.each([3217, 3219, 1])("declines %i minor units and keeps awaiting payment", (amount) =>
    spec
      .given(history.awaiting_payment)
      .when(confirm(amount))
      .then([
        {
          type: "PaymentDeclined",
          data: {
            orderId,
            customerId,
            amount,
            currency: "USD",
            expectedAmount: 3218,
            expectedCurrency: "USD",
            paymentReference: "pay-1",
            reason: "amount_mismatch",
            declinedAt: at,
          },
        },
      ]),
  );
  it("declines a payment in another currency", () =>
    spec
      .given(history.awaiting_payment)
      .when(confirm(3218, "EUR"))
      .then([
        expect.objectContaining({
          type: "PaymentDeclined",
          data: expect.objectContaining({ reason: "currency_mismatch" }),
        }),
      ]));
  it("takes a correct payment after a declined one", () => {
    const declined = orderDecider.decide(confirm(100), fold(orderDecider, history.awaiting_payment));
    spec
      .given([...history.awaiting_payment, ...declined])
      .when(confirm())
      .then([paymentConfirmed]);
  });
  it.each([0, -3218, 32.18, Number.NaN])("refuses an amount of %s", (amount) =>
    spec
      .given(history.awaiting_payment)
      .when(confirm(amount))
      .thenThrows(ValidationError, { field: "amount" }),
  );
  it("refuses a payment without a reference", () =>
    spec
      .given(history.awaiting_payment)
      .when({ type: "ConfirmPayment", orderId, amount: 3218, currency: "USD", paymentReference: "", at })
      .thenThrows(ValidationError, { field: "paymentReference" }));
});

describe("Shipping and delivering", () => {
  it("ships a paid order with its tracking number", () =>
    spec.given(history.paid).when(ship()).then([shipped]));
  it("refuses to ship without a tracking number", () =>
    spec.given(history.paid).when(ship("  ")).thenThrows(ValidationError, { field: "trackingNumber" }));
  it("delivers a shipped order, naming what left stock", () =>
    spec.given(history.shipped).when(deliver).then([delivered]));
  it("remembers when it was delivered", () =>
    spec.given(history.delivered).thenState({ status: "delivered", deliveredAt }));
});

describe("Holding the stock", () => {
  it("waits for its stock once placed", () => spec.given([placed]).thenState({ status: "awaiting_stock" }));
  it("awaits payment once every line is held", () =>
    spec.given([placed]).when(confirmStock).then([stockReserved]));
  it("is rejected for stock, naming each short line", () =>
    spec.given([placed]).when(rejectForStock).then([rejectedForStock]));
  it("folds a rejection for stock into a rejected order", () =>
    spec.given([placed, rejectedForStock]).thenState({ status: "rejected", reason: "out_of_stock" }));
  it("is not rejected for stock without a short line", () =>
    spec
      .given([placed])
      .when({ type: "RejectForStock", orderId, shortages: [], at })
      .thenThrows(ValidationError, { field: "shortages" }));
  it("goes straight to payment when placed before the products held stock", () => {
    const { stockOnProducts: _held, ...earlier } = placedData;
    spec
      .given([{ type: "OrderPlaced", data: earlier }])
      .thenState({ status: "awaiting_payment", stockOnProducts: false });
  });
  it("says nothing of the products' stock on a cancellation of such an order", () => {
    const { stockOnProducts: _held, ...earlier } = placedData;
    const events = orderDecider.decide(
      cancel(),
      fold(orderDecider, [{ type: "OrderPlaced", data: earlier }]),
    );
    expect(events).toHaveLength(1);
    expect(events[0]!.data).not.toHaveProperty("stockOnProducts");
  });
});

describe("Recalculating tax after the fact", () => {
  // Subtotal 30.00; 7.25 % gave 2.18. At 5 %: 1.50.
  const recalculated = (previousTax: number, tax: number, rateBps: number): OrderEvent => ({
    type: "OrderTaxRecalculated",
    data: {
      orderId,
      customerId,
      currency: "USD",
      correctionId: "c-1",
      rateBps,
      previousTax,
      tax,
      paidAt: at,
      recalculatedAt: "2026-02-01T00:00:00.000Z",
    },
  });
  it("records the new tax of a paid order, naming the day it belongs to", () =>
    spec
      .given(history.paid)
      .when(recalculate(500))
      .then([recalculated(218, 150, 500)]));
  it("records nothing when the rule gives the tax the order has", () =>
    spec.given(history.delivered).when(recalculate(725)).thenNothingHappens());
  it("records nothing the second time a rule is applied", () =>
    spec
      .given([...history.delivered, recalculated(218, 150, 500)])
      .when(recalculate(500))
      .thenNothingHappens());
  it("refunds the tax as recalculated", () =>
    spec
      .given([...history.refund_requested, recalculated(218, 150, 500)])
      .when(issueRefund)
      .then([{ ...refundIssued, data: { ...refundIssued.data, tax: 150 } } as OrderEvent]));
  it.each([-1, 10_001, 2.5])("refuses a rate of %s basis points", (rateBps) =>
    spec.given(history.paid).when(recalculate(rateBps)).thenThrows(ValidationError, { field: "rateBps" }),
  );
});

describe("Cancelling", () => {
  it("cancels an unpaid order with nothing to pay back", () =>
    spec
      .given(history.awaiting_payment)
      .when(cancel())
      .then([cancelled(0)]));
  it("cancels a paid order, recording the amount to pay back", () =>
    spec
      .given(history.paid)
      .when(cancel())
      .then([cancelled(3218)]));
  it("refuses a cancellation without a reason", () =>
    spec.given([placed]).when(cancel("")).thenThrows(ValidationError, { field: "reason" }));
  it("refuses once shipped", () =>
    spec.given(history.shipped).when(cancel()).thenThrows(OrderAlreadyShipped, { status: "shipped" }));
});

describe("Refunds", () => {
  const windowEnd = "2026-02-09T12:00:00.000Z"; // 30 days after delivery
  it("accepts a request within the window", () =>
    spec.given(history.delivered).when(requestRefund()).then([refundRequested()]));
  it("accepts a request on the window's last instant", () =>
    spec
      .given(history.delivered)
      .when(requestRefund(windowEnd))
      .then([refundRequested(windowEnd)]));
  it("reads instants with an offset", () =>
    spec
      .given(history.delivered)
      .when(requestRefund("2026-02-09T13:00:00.000+01:00"))
      .then([refundRequested("2026-02-09T13:00:00.000+01:00")]));
  it.each(["2026-02-09T12:00:00.001Z", "2026-03-01T00:00:00Z"])(
    "denies a request at %s, after the window",
    (when) =>
      spec
        .given(history.delivered)
        .when(requestRefund(when))
        .then([refundDenied("refund_window_passed", when)]),
  );
  it.each(["paid", "shipped"] as const)("denies a request while %s (not delivered yet)", (status) =>
    spec
      .given(history[status])
      .when(requestRefund())
      .then([refundDenied("not_delivered", "2026-01-20T08:00:00.000Z")]),
  );
  it("keeps the status after a denial", () =>
    spec
      .given([...history.delivered, refundDenied("refund_window_passed", at)])
      .thenState({ status: "delivered" }));
  it("refuses a request without a reason", () =>
    spec
      .given(history.delivered)
      .when(requestRefund(undefined, " "))
      .thenThrows(ValidationError, { field: "reason" }));
  it("refuses a request at an unreadable instant", () =>
    spec
      .given(history.delivered)
      .when(requestRefund("2026-02-30T00:00:00Z"))
      .thenThrows(ValidationError, { field: "at" }));
  it("issues the refund of the whole total", () =>
    spec.given(history.refund_requested).when(issueRefund).then([refundIssued]));
});

describe("Tax", () => {
  it.each([
    [1000n, "US-CA", 73n], // 72.5 → 73: half rounds up
    [1010n, "US-CA", 73n], // 73.225 → 73
    [1n, "XX", 0n], // 0.1 → 0
    [5n, "XX", 1n], // 0.5 → 1
    [3000n, "US-OR", 0n],
    [0n, "DE", 0n],
    [9_007_199_254_740_991n, "DE", 1_711_367_858_400_788n], // exact far beyond 2^53 × 1900
  ])("taxes %i in %s as %i", (subtotal, region, tax) => {
    expect(taxOn(subtotal, region)).toBe(tax);
  });
  it("uses the default rate for an unlisted region", () => {
    expect(taxRateBps("ATLANTIS")).toBe(DEFAULT_TAX_RATE_BPS);
    expect(taxRateBps("constructor")).toBe(DEFAULT_TAX_RATE_BPS);
  });
});

describe("Instants", () => {
  it.each([
    "1970-01-01T00:00:00Z",
    "2026-01-10T12:00:00.000Z",
    "2024-02-29T23:59:59.999Z",
    "2000-03-01T00:00:00+05:30",
    "1969-12-31T23:59:59.5-08:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.123456789Z",
  ])("reads %s as Date does", (text) => {
    expect(instantMillis(text)).toBe(Date.parse(text));
  });
  it.each([
    "2026-02-29T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T10:00:00",
    "2026-01-01",
    "0000-06-01T00:00:00Z",
    "2026-01-01T10:00:00+24:00",
    "soon",
  ])("refuses %s", (text) => {
    expect(instantMillis(text)).toBeNull();
  });
});
