import { GraphQLError } from "graphql";
import type { AccountTransaction } from "../readmodels/account-transactions";
import { AccountRef } from "../schema/account";
import { builder } from "../schema/builder";
import { viewMeta } from "./meta";
import { ViewMetaRef } from "../schema/meta";
import { MoneyRef } from "../schema/money";
import { accountTransactionsView } from "../readmodels/account-transactions";
import { accountsView } from "../readmodels/accounts";
import { balanceHistoryView } from "../readmodels/balance-history";
import { reads } from "./reads";

const TransactionKindEnum = builder.enumType("TransactionKind", {
  values: ["DEPOSIT", "WITHDRAWAL", "REVERSAL"] as const,
});

const AccountTransactionRef = builder.objectRef<AccountTransaction>("AccountTransaction").implement({
  description: "One money movement, as the audit trail keeps it.",
  fields: (t) => ({
    kind: t.field({ type: TransactionKindEnum, resolve: (tx) => tx.kind }),
    amount: t.field({ type: MoneyRef, resolve: (tx) => ({ minorUnits: tx.amount, currency: tx.currency }) }),
    balanceAfter: t.field({
      type: MoneyRef,
      resolve: (tx) => ({ minorUnits: tx.balanceAfter, currency: tx.currency }),
    }),
    at: t.field({ type: "DateTime", resolve: (tx) => tx.at }),
    userId: t.exposeString("userId", { nullable: true, description: "Who asked for it." }),
    correlationId: t.exposeString("correlationId", {
      nullable: true,
      description: "The request that caused it.",
    }),
    reference: t.exposeString("reference", {
      nullable: true,
      description: "The withdrawal a withdrawal or reversal is about.",
    }),
    transferId: t.exposeID("transferId", {
      nullable: true,
      description: "The transfer this movement belongs to (see `transfer(id)`), when it is one.",
    }),
    causationId: t.exposeID("causationId", {
      nullable: true,
      description: "The message that caused it: for a transfer's movements, the transfer's request event.",
    }),
    eventId: t.exposeID("eventId"),
    revision: t.exposeInt("revision"),
    position: t.field({ type: "Position", resolve: (tx) => tx.position }),
  }),
});

const TransactionEdge = builder.objectRef<AccountTransaction>("AccountTransactionEdge").implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (tx) => tx.position }),
    node: t.field({ type: AccountTransactionRef, resolve: (tx) => tx }),
  }),
});

const TransactionConnection = builder
  .objectRef<{ items: AccountTransaction[]; hasMore: boolean }>("AccountTransactionConnection")
  .implement({
    description: "Newest first. Pass `endCursor` as `after` for the next page.",
    fields: (t) => ({
      edges: t.field({ type: [TransactionEdge], resolve: (page) => page.items }),
      pageInfo: t.field({
        type: builder
          .objectRef<{ hasNextPage: boolean; endCursor: string | null }>("TransactionPageInfo")
          .implement({
            fields: (p) => ({
              hasNextPage: p.exposeBoolean("hasNextPage"),
              endCursor: p.exposeString("endCursor", { nullable: true }),
            }),
          }),
        resolve: (page) => ({ hasNextPage: page.hasMore, endCursor: page.items.at(-1)?.position ?? null }),
      }),
    }),
  });

builder.objectFields(AccountRef, (t) => ({
  transactions: t.field({
    ...reads(accountTransactionsView),
    type: TransactionConnection,
    description: "The audit trail: every money movement, newest first (Redis).",
    args: {
      first: t.arg.int({ required: false, defaultValue: 20 }),
      after: t.arg({ type: "Position", required: false }),
    },
    resolve: (account, args, ctx) => {
      const first = args.first ?? 20;
      if (first < 1 || first > 100) {
        throw new GraphQLError('"first" must be between 1 and 100', {
          extensions: { code: "BAD_USER_INPUT" },
        });
      }
      return ctx.services.views.accountTransactions.transactions(
        account.accountId,
        first,
        args.after ?? null,
      );
    },
  }),
  balanceAt: t.field({
    ...reads(balanceHistoryView),
    type: MoneyRef,
    nullable: true,
    description:
      "The balance at an instant, from the balance history in Redis (no replay). Null before opening.",
    args: { at: t.arg({ type: "DateTime", required: true }) },
    resolve: async (account, { at }, ctx) => {
      const minorUnits = await ctx.services.views.balanceHistory.balanceAt(account.accountId, at);
      return minorUnits === null ? null : { minorUnits, currency: account.currency };
    },
  }),
  meta: t.field({
    type: ViewMetaRef,
    description: "How fresh the account views are.",
    resolve: (_account, _args, ctx) => viewMeta(ctx, accountsView),
  }),
}));
