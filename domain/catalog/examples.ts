import type { EventExamples } from "../shared/contracts";
import type { productEventVersions } from "./events";

/**
 * Examples of every published version of every product event: the contract fixtures. Each is
 * checked against its schema, upcast to today's version and run through every view that takes it
 * (test/contracts/), and published with its schema (`examples`) and in the event catalogue.
 */
export const productEventExamples: EventExamples<typeof productEventVersions> = {
  ProductAdded: [
    [
      {
        productId: "p-mug",
        sku: "MUG-350-BLUE",
        name: "Blue mug, 350 ml",
        price: 1250,
        currency: "USD",
        initialStock: 40,
        addedAt: "2026-03-01T08:00:00.000Z",
      },
    ],
  ],
  ProductRestocked: [[{ productId: "p-mug", quantity: 24, restockedAt: "2026-03-05T07:30:00.000Z" }]],
  PriceChanged: [
    [
      {
        productId: "p-mug",
        oldPrice: 1250,
        newPrice: 1400,
        currency: "USD",
        changedAt: "2026-03-10T00:00:00.000Z",
      },
    ],
  ],
  ProductDiscontinued: [[{ productId: "p-mug", discontinuedAt: "2026-06-30T18:00:00.000Z" }]],
  StockReserved: [
    [
      {
        productId: "p-mug",
        orderId: "o-1001",
        quantity: 2,
        available: 38,
        reservedAt: "2026-03-02T09:15:00.000Z",
      },
    ],
  ],
  StockReservationRefused: [
    [
      {
        productId: "p-mug",
        orderId: "o-1002",
        requested: 50,
        available: 38,
        reason: "insufficient_stock",
        refusedAt: "2026-03-02T09:16:00.000Z",
      },
    ],
  ],
  StockReleased: [
    [{ productId: "p-mug", orderId: "o-1001", quantity: 2, releasedAt: "2026-03-02T11:00:00.000Z" }],
  ],
  StockSold: [[{ productId: "p-mug", orderId: "o-1001", quantity: 2, soldAt: "2026-03-04T16:20:00.000Z" }]],
  StockReturned: [
    [{ productId: "p-mug", orderId: "o-1001", quantity: 2, returnedAt: "2026-03-20T10:00:00.000Z" }],
  ],
};
