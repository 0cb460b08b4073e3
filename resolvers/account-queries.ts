import { AccountConnection, AccountRef } from "../schema/account";
import { builder } from "../schema/builder";
import { pageWindow } from "../schema/connection";
import { visibleAccount } from "./access";
import { accountsView } from "../readmodels/accounts";
import { reads } from "./reads";

builder.queryField("account", (t) =>
  t.field({
    ...reads(accountsView),
    type: AccountRef,
    nullable: true,
    description:
      "One account, from Redis. Null when no such account has been projected, or (for a customer) when it is not theirs.",
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) =>
      visibleAccount(ctx, await ctx.services.views.accounts.get(String(id))),
  }),
);

builder.queryField("accountsByOwner", (t) =>
  t.field({
    ...reads(accountsView),
    type: AccountConnection,
    description:
      "An owner's accounts, oldest first, paginated (Relay connection), from Redis. Customers: their own only.",
    authScopes: (_root, args) => ({ staff: true, self: String(args.ownerId) }),
    args: {
      ownerId: t.arg.id({ required: true }),
      first: t.arg.int({ required: false, defaultValue: 20 }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const ownerId = String(args.ownerId);
      const { offset, limit } = pageWindow(args);
      const { ids, total } = await ctx.services.views.accounts.idsByOwner(ownerId, offset, limit);
      const accounts = (await ctx.services.views.accounts.getMany(ids)).filter((a) => a !== null);
      return { accounts, offset, total };
    },
  }),
);
