import type { InventoryView } from "../readmodels/inventory";
import type { OrderView } from "../readmodels/orders";
import type { RevenueView } from "../readmodels/revenue";
import { builder } from "../schema/builder";
import { OrderRef } from "../schema/order";
import { ProductRef } from "../schema/product";
import { RevenueFiguresRef } from "../schema/revenue";
import { requireVisibleOrder } from "./access";
import { currencyArg } from "./currency-arg";
import { liveView, type LiveUpdate } from "./live-view";

/** The envelope of every live view: the view, its position, and whether changes were missed. */
function updateType<T>(name: string, viewField: string, viewType: unknown) {
  return builder.objectRef<LiveUpdate<T>>(name).implement({
    fields: (t) => ({
      position: t.field({
        type: "Position",
        description: "Keep the last one: pass it as `since` when reconnecting to get what you missed.",
        resolve: (u) => u.position,
      }),
      [viewField]: t.field({ type: viewType as typeof OrderRef, resolve: (u) => u.view as never }),
      missedChanges: t.exposeBoolean("missedChanges", {
        description:
          "True when `since` was older than the kept history: this is the current view, changes in between were not sent.",
      }),
    }),
  });
}

const OrderUpdateRef = updateType<OrderView>("OrderUpdate", "order", OrderRef);
const ProductUpdateRef = updateType<InventoryView>("ProductUpdate", "product", ProductRef);
const RevenueUpdateRef = updateType<RevenueView>("RevenueUpdate", "revenue", RevenueFiguresRef);

const sinceArg = { description: "Resume after this position (the last one you received)." } as const;

builder.subscriptionFields((t) => ({
  orderUpdated: t.field({
    type: OrderUpdateRef,
    description:
      "An order's status view now, then after every change. Customers: their own orders (another's is NOT_FOUND).",
    authScopes: { authenticated: true },
    args: {
      id: t.arg.id({ required: true }),
      since: t.arg({ type: "Position", required: false, ...sinceArg }),
    },
    subscribe: async (_root, { id, since }, ctx) => {
      const orderId = String(id);
      await requireVisibleOrder(ctx, orderId);
      return liveView(ctx.services.changes, ctx.services.views.orders.live(orderId), since ?? null);
    },
    resolve: (update) => update,
  }),
  customerOrders: t.field({
    type: OrderUpdateRef,
    description:
      "Each change of any of a customer's orders (the order after it). Starts with the most recent one. " +
      "Customers: their own only.",
    authScopes: (_root, args) => ({ staff: true, self: String(args.customerId) }),
    args: {
      customerId: t.arg.id({ required: true }),
      since: t.arg({ type: "Position", required: false, ...sinceArg }),
    },
    subscribe: (_root, { customerId, since }, ctx) => {
      const customer = String(customerId);
      const { views, changes } = ctx.services;
      return liveView(changes, views.orders.customerLive(customer), since ?? null);
    },
    resolve: (update) => update,
  }),
  ordersUpdated: t.field({
    type: OrderUpdateRef,
    description:
      "Staff: each change of any order (the order after it), for a board of all orders. Starts with " +
      "the most recent one; pair it with `recentOrders` for the board now.",
    authScopes: { staff: true },
    args: { since: t.arg({ type: "Position", required: false, ...sinceArg }) },
    subscribe: (_root, { since }, ctx) =>
      liveView(ctx.services.changes, ctx.services.views.orders.allLive(), since ?? null),
    resolve: (update) => update,
  }),
  inventoryChanged: t.field({
    type: ProductUpdateRef,
    description: "A product's stock now, then after every change.",
    authScopes: { authenticated: true },
    args: {
      productId: t.arg.id({ required: true }),
      since: t.arg({ type: "Position", required: false, ...sinceArg }),
    },
    subscribe: (_root, { productId, since }, ctx) => {
      const id = String(productId);
      return liveView(ctx.services.changes, ctx.services.views.inventory.live(id), since ?? null);
    },
    resolve: (update) => update,
  }),
  revenueUpdated: t.field({
    type: RevenueUpdateRef,
    description: "Staff: revenue totals for a currency now, then after every change.",
    authScopes: { staff: true },
    args: {
      currency: t.arg.string({ required: false, defaultValue: "USD" }),
      since: t.arg({ type: "Position", required: false, ...sinceArg }),
    },
    subscribe: (_root, args, ctx) => {
      const currency = currencyArg(args.currency);
      return liveView(ctx.services.changes, ctx.services.views.revenue.live(currency), args.since ?? null);
    },
    resolve: (update) => update,
  }),
}));
