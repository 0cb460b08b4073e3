import type { AccountView } from "../readmodels/accounts";
import { AccountRef } from "../schema/account";
import { builder } from "../schema/builder";
import type { GraphQLContext } from "../schema/context";

/**
 * The current view first, then the view after every change. It listens before it reads, so a
 * change landing between the two is not missed; a notice older than what was sent is dropped.
 */
async function* accountViews(ctx: GraphQLContext, accountId: string): AsyncGenerator<AccountView> {
  const feed = ctx.services.changes.listen(ctx.services.keys.accountChanges(accountId));
  try {
    await feed.ready;
    let lastRevision = -1;
    const current = await ctx.services.accounts.get(accountId);
    if (current) {
      lastRevision = current.revision;
      yield current;
    }
    for await (const _notice of feed.notices) {
      const view = await ctx.services.accounts.get(accountId);
      if (view && view.revision > lastRevision) {
        lastRevision = view.revision;
        yield view;
      }
    }
  } finally {
    feed.close();
  }
}

builder.subscriptionField("accountUpdated", (t) =>
  t.field({
    type: AccountRef,
    description:
      "The account as projected now, then again after each change (fanned out over Redis pub/sub).",
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, ctx) => accountViews(ctx, String(id)),
    resolve: (view) => view,
  }),
);
