import type { AccountView } from "../readmodels/accounts";
import { AccountRef } from "../schema/account";
import { builder } from "../schema/builder";
import { requireVisibleAccount } from "./access";
import { liveView, type LiveUpdate } from "./live-view";

const AccountUpdateRef = builder.objectRef<LiveUpdate<AccountView>>("AccountUpdate").implement({
  description: "One push of a live account: the view and the position it reflects.",
  fields: (t) => ({
    position: t.field({
      type: "Position",
      description: "Keep the last one: pass it as `since` when reconnecting to get what you missed.",
      resolve: (update) => update.position,
    }),
    account: t.field({ type: AccountRef, resolve: (update) => update.view }),
    missedChanges: t.exposeBoolean("missedChanges", {
      description:
        "True when `since` was older than the kept history: this is the current view and the changes in between were not sent.",
    }),
  }),
});

builder.subscriptionField("accountUpdated", (t) =>
  t.field({
    type: AccountUpdateRef,
    description:
      "The account now (or, with `since`, every change after that position), then after each change, in order. " +
      "Customers: their own accounts (another's is NOT_FOUND, like a missing one).",
    authScopes: { authenticated: true },
    args: {
      id: t.arg.id({ required: true }),
      since: t.arg({ type: "Position", required: false }),
    },
    subscribe: async (_root, { id, since }, ctx) => {
      const accountId = String(id);
      await requireVisibleAccount(ctx, accountId);
      return liveView(ctx.services.changes, ctx.services.views.accounts.live(accountId), since ?? null);
    },
    resolve: (update) => update,
  }),
);
