import { GraphQLError } from "graphql";
import { builder } from "../schema/builder";
import { pageWindow } from "../schema/connection";
import { ViewMetaRef } from "../schema/meta";
import { OrderConnection, OrderRef } from "../schema/order";
import { visibleOrder } from "./access";
import { viewMeta } from "./meta";
import { customerOrdersView } from "../readmodels/customer-orders";
import { ordersView } from "../readmodels/orders";
import { ordersByRegionView } from "../readmodels/orders-by-region";
import { reads } from "./reads";

builder.queryField("order", (t) =>
  t.field({
    ...reads(ordersView),
    type: OrderRef,
    nullable: true,
    description: "One order's status view, from Redis. Null when unknown, or (for a customer) not theirs.",
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => visibleOrder(ctx, await ctx.services.views.orders.get(String(id))),
  }),
);

builder.queryField("ordersByCustomer", (t) =>
  t.field({
    ...reads(customerOrdersView, ordersView),
    type: OrderConnection,
    description: "A customer's order history, newest first, from Redis. Customers: their own only.",
    authScopes: (_root, args) => ({ staff: true, self: String(args.customerId) }),
    args: {
      customerId: t.arg.id({ required: true }),
      first: t.arg.int({ required: false, defaultValue: 20 }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const { offset, limit } = pageWindow(args);
      const page = await ctx.services.views.customerOrders.byCustomer(String(args.customerId), offset, limit);
      return { items: await ctx.services.views.orders.getMany(page.ids), offset, total: page.total };
    },
  }),
);

builder.queryField("recentOrders", (t) =>
  t.field({
    ...reads(ordersView),
    type: [OrderRef],
    description:
      "Staff: the orders changed last, newest first (at most 500), from Redis: a board of all orders.",
    authScopes: { staff: true },
    args: { first: t.arg.int({ required: false, defaultValue: 100 }) },
    resolve: (_root, { first }, ctx) =>
      ctx.services.views.orders.recent(pageWindow({ first: first ?? 100 }, 500).limit),
  }),
);

builder.queryField("ordersByRegion", (t) =>
  t.field({
    ...reads(ordersByRegionView, ordersView),
    type: OrderConnection,
    description: "Staff: orders shipped to a tax region, newest first, from Redis.",
    authScopes: { staff: true },
    args: {
      region: t.arg.string({ required: true }),
      first: t.arg.int({ required: false, defaultValue: 20 }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const { offset, limit } = pageWindow(args);
      const page = await ctx.services.views.ordersByRegion.byRegion(
        args.region.trim().toUpperCase(),
        offset,
        limit,
      );
      return { items: await ctx.services.views.orders.getMany(page.ids), offset, total: page.total };
    },
  }),
);

const RegionCountRef = builder.objectRef<{ region: string; orders: number }>("RegionOrderCount").implement({
  fields: (t) => ({ region: t.exposeString("region"), orders: t.exposeInt("orders") }),
});

builder.queryField("regions", (t) =>
  t.field({
    ...reads(ordersByRegionView),
    type: [RegionCountRef],
    description: "Staff: order counts per region, busiest first.",
    authScopes: { staff: true },
    resolve: (_root, _args, ctx) => ctx.services.views.ordersByRegion.regions(),
  }),
);

builder.objectField(OrderRef, "meta", (t) =>
  t.field({ type: ViewMetaRef, resolve: (_order, _args, ctx) => viewMeta(ctx, ordersView) }),
);

/** Every projector's freshness at once: the operator's first look. */
builder.queryField("projections", (t) =>
  t.field({
    type: [ViewMetaRef],
    description:
      "Admin: every projector's checkpoint, head, lag in events and time, throughput, parked events, status.",
    authScopes: { admin: true },
    resolve: async (_root, _args, ctx) => {
      const names = ctx.services.projectorNames;
      if (names.length === 0) throw new GraphQLError("no projectors are registered");
      return ctx.services.projectorStates.readMany(names, ctx.services.clock());
    },
  }),
);
