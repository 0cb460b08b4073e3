import { GraphQLError } from "graphql";
import { topCustomersView, type CustomerSpend, type TopCustomersView } from "../readmodels/top-customers";
import { builder } from "../schema/builder";
import { ViewMetaRef } from "../schema/meta";
import { MoneyRef } from "../schema/money";
import { currencyArg } from "./currency-arg";
import { liveView, type LiveUpdate } from "./live-view";
import { viewMeta } from "./meta";
import { reads } from "./reads";

const CustomerSpendRef = builder.objectRef<CustomerSpend>("CustomerSpend").implement({
  description: "One customer's spend in one currency.",
  fields: (t) => ({
    rank: t.exposeInt("rank", { description: "1 for the customer who spent most." }),
    customerId: t.exposeID("customerId"),
    netSpend: t.field({
      type: MoneyRef,
      description: "Paid minus refunded.",
      resolve: (c) => ({ minorUnits: c.netSpend, currency: c.currency }),
    }),
    paid: t.field({ type: MoneyRef, resolve: (c) => ({ minorUnits: c.paid, currency: c.currency }) }),
    refunded: t.field({
      type: MoneyRef,
      description: "Refunds issued, and payments returned when a paid order was cancelled.",
      resolve: (c) => ({ minorUnits: c.refunded, currency: c.currency }),
    }),
    paidOrders: t.exposeInt("paidOrders"),
  }),
});

const TopCustomersRef = builder.objectRef<TopCustomersView>("TopCustomers").implement({
  description: "Customers ranked by net spend in one currency.",
  fields: (t) => ({
    currency: t.exposeString("currency"),
    customers: t.field({ type: [CustomerSpendRef], resolve: (v) => v.customers }),
    position: t.field({ type: "Position", nullable: true, resolve: (v) => v.position }),
    meta: t.field({ type: ViewMetaRef, resolve: (_v, _args, ctx) => viewMeta(ctx, topCustomersView) }),
  }),
});

const TopCustomersUpdateRef = builder
  .objectRef<LiveUpdate<TopCustomersView>>("TopCustomersUpdate")
  .implement({
    description: "One push of the live ranking.",
    fields: (t) => ({
      position: t.field({
        type: "Position",
        description: "Keep the last one: pass it as `since` when reconnecting.",
        resolve: (u) => u.position,
      }),
      topCustomers: t.field({ type: TopCustomersRef, resolve: (u) => u.view }),
      missedChanges: t.exposeBoolean("missedChanges"),
    }),
  });

function rankingArgs(args: { currency?: string | null; first?: number | null }) {
  const currency = currencyArg(args.currency);
  const first = args.first ?? 10;
  if (first < 1 || first > 100) {
    throw new GraphQLError('"first" must be between 1 and 100', {
      extensions: { code: "BAD_USER_INPUT", field: "first" },
    });
  }
  return { currency, first };
}

builder.queryFields((t) => ({
  topCustomers: t.field({
    ...reads(topCustomersView),
    type: TopCustomersRef,
    description: "Staff: the customers who spent most (paid minus refunded) in a currency, from Redis.",
    authScopes: { staff: true },
    args: {
      currency: t.arg.string({ required: false, defaultValue: "USD" }),
      first: t.arg.int({ required: false, defaultValue: 10 }),
    },
    resolve: (_root, args, ctx) => {
      const { currency, first } = rankingArgs(args);
      return ctx.services.views.topCustomers.ranking(currency, first);
    },
  }),
}));

builder.subscriptionField("topCustomersUpdated", (t) =>
  t.field({
    type: TopCustomersUpdateRef,
    description: "Staff: the ranking now, then after every change of it.",
    authScopes: { staff: true },
    args: {
      currency: t.arg.string({ required: false, defaultValue: "USD" }),
      first: t.arg.int({ required: false, defaultValue: 10 }),
      since: t.arg({ type: "Position", required: false }),
    },
    subscribe: (_root, args, ctx) => {
      const { currency, first } = rankingArgs(args);
      return liveView(
        ctx.services.changes,
        ctx.services.views.topCustomers.live(currency, first),
        args.since ?? null,
      );
    },
    resolve: (update) => update,
  }),
);
