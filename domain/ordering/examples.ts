import type { EventExamples } from "../shared/contracts";
import type { orderEventVersions } from "./events";

const order = { orderId: "o-1001", customerId: "alice" } as const;

/**
 * Examples of every published version of every order event, old versions included: the contract
 * fixtures. Each is checked against its schema, upcast to today's version and run through every
 * view that takes it (test/contracts/), and published with its schema (`examples`) and in the event
 * catalogue. OrderPlaced v1 has two: the address as the first release wrote it, and one the v1 → v2
 * upcaster cannot split.
 */
export const orderEventExamples: EventExamples<typeof orderEventVersions> = {
  OrderPlaced: [
    [
      {
        ...order,
        currency: "USD",
        lines: [
          { productId: "p-mug", quantity: 2, unitPrice: 1250 },
          { productId: "p-tea", quantity: 3, unitPrice: 500 },
        ],
        subtotal: 4000,
        tax: 290,
        total: 4290,
        shippingAddress: "1 Market St, San Francisco, 94105, us",
        placedAt: "2025-06-01T09:00:00.000Z",
      },
      {
        orderId: "o-0042",
        customerId: "bob",
        currency: "EUR",
        lines: [{ productId: "p-tea", quantity: 1, unitPrice: 500 }],
        subtotal: 500,
        tax: 95,
        total: 595,
        shippingAddress: "c/o Reception, Pier 39",
        placedAt: "2025-06-02T15:20:00.000Z",
      },
    ],
    [
      {
        ...order,
        currency: "USD",
        lines: [
          { productId: "p-mug", sku: "MUG-350-BLUE", quantity: 2, unitPrice: 1250 },
          { productId: "p-tea", sku: "TEA-GREEN-100", quantity: 3, unitPrice: 500 },
        ],
        subtotal: 4000,
        tax: 290,
        total: 4290,
        shippingAddress: {
          line1: "1 Market St",
          city: "San Francisco",
          postalCode: "94105",
          country: "US",
          region: "US-CA",
        },
        region: "US-CA",
        itemCount: 5,
        placedAt: "2026-03-01T09:00:00.000Z",
      },
      {
        orderId: "o-2001",
        customerId: "dave",
        currency: "USD",
        lines: [{ productId: "p-mug", sku: "MUG-350-BLUE", quantity: 1, unitPrice: 1250 }],
        subtotal: 1250,
        tax: 91,
        total: 1341,
        shippingAddress: {
          line1: "1 Market St",
          city: "San Francisco",
          postalCode: "94105",
          country: "US",
          region: "US-CA",
        },
        region: "US-CA",
        itemCount: 1,
        placedAt: "2026-11-01T09:00:00.000Z",
        stockOnProducts: true,
      },
    ],
  ],
  OrderRejected: [
    [
      {
        ...order,
        reason: "invalid_quantity",
        detail: "Line 1 (p-mug): quantity 0 is not a positive whole number",
        rejectedAt: "2026-03-01T09:00:00.000Z",
      },
      {
        orderId: "o-1003",
        customerId: "carol",
        reason: "out_of_stock",
        detail: "Not enough stock: p-mug: 50 requested, 38 available",
        shortages: [{ productId: "p-mug", requested: 50, available: 38, reason: "insufficient_stock" }],
        rejectedAt: "2026-03-02T09:16:00.000Z",
      },
    ],
  ],
  OrderStockReserved: [[{ ...order, reservedAt: "2026-03-01T09:00:01.000Z" }]],
  PaymentConfirmed: [
    [
      {
        ...order,
        amount: 4290,
        currency: "USD",
        paymentReference: "pay-7f3a",
        confirmedAt: "2026-03-01T09:02:00.000Z",
      },
      {
        orderId: "o-2001",
        customerId: "dave",
        amount: 1341,
        currency: "USD",
        paymentReference: "pay-9c01",
        confirmedAt: "2026-11-01T09:05:00.000Z",
        tax: 91,
      },
    ],
  ],
  PaymentDeclined: [
    [
      {
        ...order,
        amount: 4000,
        currency: "USD",
        expectedAmount: 4290,
        expectedCurrency: "USD",
        paymentReference: "pay-7f39",
        reason: "amount_mismatch",
        declinedAt: "2026-03-01T09:01:00.000Z",
      },
    ],
  ],
  OrderShipped: [[{ ...order, trackingNumber: "1Z999AA10123456784", shippedAt: "2026-03-02T14:00:00.000Z" }]],
  OrderDelivered: [
    [
      {
        ...order,
        lines: [
          { productId: "p-mug", quantity: 2 },
          { productId: "p-tea", quantity: 3 },
        ],
        deliveredAt: "2026-03-04T11:15:00.000Z",
      },
      {
        orderId: "o-2001",
        customerId: "dave",
        lines: [{ productId: "p-mug", quantity: 1 }],
        deliveredAt: "2026-11-04T11:15:00.000Z",
        stockOnProducts: true,
      },
    ],
  ],
  OrderCancelled: [
    [
      {
        ...order,
        reason: "Changed my mind",
        lines: [
          { productId: "p-mug", quantity: 2 },
          { productId: "p-tea", quantity: 3 },
        ],
        amountPaid: 4290,
        currency: "USD",
        cancelledAt: "2026-03-01T10:00:00.000Z",
      },
      {
        orderId: "o-2002",
        customerId: "dave",
        reason: "Ordered twice",
        lines: [{ productId: "p-tea", quantity: 2 }],
        amountPaid: 0,
        currency: "USD",
        cancelledAt: "2026-11-01T10:00:00.000Z",
        stockOnProducts: true,
      },
    ],
  ],
  RefundRequested: [[{ ...order, reason: "Arrived damaged", requestedAt: "2026-03-05T08:00:00.000Z" }]],
  RefundDenied: [
    [
      {
        ...order,
        reason: "refund_window_passed",
        requestReason: "Arrived damaged",
        deniedAt: "2026-05-01T08:00:00.000Z",
      },
    ],
  ],
  RefundIssued: [[{ ...order, amount: 4290, currency: "USD", issuedAt: "2026-03-06T16:45:00.000Z" }]],
  OrderTaxRecalculated: [
    [
      {
        ...order,
        currency: "USD",
        correctionId: "tax-2026-us-5pct",
        rateBps: 500,
        previousTax: 290,
        tax: 200,
        paidAt: "2026-03-01T09:30:00.000Z",
        recalculatedAt: "2026-11-20T08:00:00.000Z",
      },
    ],
  ],
};
