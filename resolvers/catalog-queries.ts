import { GraphQLError } from "graphql";
import { builder } from "../schema/builder";
import { pageWindow } from "../schema/connection";
import { ViewMetaRef } from "../schema/meta";
import { ProductConnection, ProductRef } from "../schema/product";
import { viewMeta } from "./meta";
import { inventoryView } from "../readmodels/inventory";
import { reads } from "./reads";

builder.queryField("product", (t) =>
  t.field({
    ...reads(inventoryView),
    type: ProductRef,
    nullable: true,
    description: "A product and its stock (inventory view), from Redis.",
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.views.inventory.get(String(id)),
  }),
);

builder.queryField("products", (t) =>
  t.field({
    ...reads(inventoryView),
    type: ProductConnection,
    description: "Every product, fewest available first.",
    authScopes: { authenticated: true },
    args: {
      first: t.arg.int({ required: false, defaultValue: 20 }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const { offset, limit } = pageWindow(args);
      const page = await ctx.services.views.inventory.productIds(offset, limit);
      return { items: await ctx.services.views.inventory.getMany(page.ids), offset, total: page.total };
    },
  }),
);

builder.queryField("lowStock", (t) =>
  t.field({
    ...reads(inventoryView),
    type: [ProductRef],
    description: "Staff: products with at most `threshold` units available, fewest first.",
    authScopes: { staff: true },
    args: {
      threshold: t.arg.int({ required: false, defaultValue: 5 }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
    },
    resolve: (_root, args, ctx) => {
      const first = args.first ?? 50;
      if (first < 1 || first > 500) {
        throw new GraphQLError('"first" must be between 1 and 500', {
          extensions: { code: "BAD_USER_INPUT" },
        });
      }
      return ctx.services.views.inventory.lowStock(args.threshold ?? 5, first);
    },
  }),
);

builder.objectField(ProductRef, "meta", (t) =>
  t.field({ type: ViewMetaRef, resolve: (_product, _args, ctx) => viewMeta(ctx, inventoryView) }),
);
