import type { RevenueView } from "../readmodels/revenue";
import { builder } from "./builder";
import { MoneyRef } from "./money";

export const RevenueFiguresRef = builder.objectRef<RevenueView>("RevenueFigures").implement({
  description: "Revenue for one currency, in total or for one day (UTC).",
  fields: (t) => ({
    currency: t.exposeString("currency"),
    day: t.exposeString("day", { nullable: true, description: "YYYY-MM-DD, or null for the total." }),
    revenue: t.field({
      type: MoneyRef,
      description: "Confirmed payments.",
      resolve: (r) => ({ minorUnits: r.revenue, currency: r.currency }),
    }),
    orders: t.exposeInt("orders", { description: "Orders paid." }),
    refunds: t.field({
      type: MoneyRef,
      description: "Refunds issued and payments returned on cancellation.",
      resolve: (r) => ({ minorUnits: r.refunds, currency: r.currency }),
    }),
    refundCount: t.exposeInt("refundCount"),
    tax: t.field({
      type: MoneyRef,
      description:
        "Tax owed on the payments kept (the tax in confirmed payments less the tax in refunds), as retroactive corrections recalculated it; on the day the order was paid.",
      resolve: (r) => ({ minorUnits: r.tax, currency: r.currency }),
    }),
    netRevenue: t.field({
      type: MoneyRef,
      description: "Revenue less refunds and tax.",
      resolve: (r) => ({ minorUnits: r.revenue - r.refunds - r.tax, currency: r.currency }),
    }),
    averageOrderValue: t.field({
      type: MoneyRef,
      description: "Revenue / orders, rounded half up to the minor unit (0 with no orders).",
      resolve: (r) => ({
        minorUnits: r.orders === 0 ? 0 : Math.floor((2 * r.revenue + r.orders) / (2 * r.orders)),
        currency: r.currency,
      }),
    }),
  }),
});
