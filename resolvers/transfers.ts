import { aggregates } from "../commands/aggregates/index";
import { AccountNotFound } from "../domain/banking/errors";
import { TransferAlreadyExists } from "../domain/transfers/errors";
import { ValidationError } from "../domain/shared/errors";
import { parsePositiveAmount } from "../domain/shared/money";
import { transfersView, transferSteps, type TransferView } from "../readmodels/transfers";
import { builder } from "../schema/builder";
import type { GraphQLContext } from "../schema/context";
import { commandErrors } from "../schema/errors";
import { ViewMetaRef } from "../schema/meta";
import { MoneyInput, MoneyRef } from "../schema/money";
import { isCustomer, visibleAccount } from "./access";
import { ChangeRef, idempotencyKeyField } from "./change-payload";
import { commandContext, commandResolver, derivedId } from "./command-context";
import { viewMeta } from "./meta";
import { reads } from "./reads";

const TransferStatusEnum = builder.enumType("TransferStatus", {
  values: {
    PENDING: { value: "pending", description: "Asked for; the transfer process is moving the money." },
    COMPLETED: {
      value: "completed",
      description: "Debited from the source and credited to the destination.",
    },
    FAILED: { value: "failed", description: "The source refused to pay it out: nothing moved." },
    COMPENSATED: {
      value: "compensated",
      description: "The destination refused it: the debit was reversed with a compensating event.",
    },
  } as const,
});

const TransferStepRef = builder.objectRef<{ step: string; at: string }>("TransferStep").implement({
  description: "One step of a transfer, as its stream recorded it.",
  fields: (t) => ({
    step: t.exposeString("step", { description: "REQUESTED, DEBITED, COMPLETED, FAILED or COMPENSATED." }),
    at: t.field({ type: "DateTime", resolve: (s) => s.at }),
  }),
});

export const TransferRef = builder.objectRef<TransferView>("Transfer").implement({
  description: "Money moved between two accounts by the transfer process, step by step.",
  fields: (t) => ({
    id: t.exposeID("transferId"),
    fromAccountId: t.exposeID("fromAccountId"),
    toAccountId: t.exposeID("toAccountId"),
    amount: t.field({ type: MoneyRef, resolve: (v) => ({ minorUnits: v.amount, currency: v.currency }) }),
    status: t.field({ type: TransferStatusEnum, resolve: (v) => v.status }),
    reason: t.exposeString("reason", {
      nullable: true,
      description: "Why it failed or was compensated (insufficient_funds, destination_account_closed, ...).",
    }),
    detail: t.exposeString("detail", { nullable: true, description: "The same, for people." }),
    steps: t.field({
      type: [TransferStepRef],
      description: "Every step so far, in order.",
      resolve: (v) =>
        transferSteps
          .filter((step) => v[step] !== null)
          .map((step) => ({ step: step.replace(/At$/, "").toUpperCase(), at: v[step]! }))
          .sort((a, b) => a.at.localeCompare(b.at)),
    }),
    requestedBy: t.exposeString("requestedBy", { nullable: true }),
    correlationId: t.exposeString("correlationId", {
      nullable: true,
      description: "The request's correlation id, carried by every event of the chain.",
    }),
    requestEventId: t.exposeID("requestEventId", {
      nullable: true,
      description:
        "The TransferRequested event's id: the `causationId` of each movement the transfer made on the accounts.",
    }),
    revision: t.exposeInt("revision"),
    position: t.field({ type: "Position", resolve: (v) => v.position }),
    meta: t.field({ type: ViewMetaRef, resolve: (_v, _args, ctx) => viewMeta(ctx, transfersView) }),
  }),
});

/** A customer sees the transfers they asked for; staff see all. */
function visibleTransfer(ctx: GraphQLContext, view: TransferView | null): TransferView | null {
  return view && (!isCustomer(ctx) || view.requestedBy === ctx.userId) ? view : null;
}

builder.queryField("transfer", (t) =>
  t.field({
    ...reads(transfersView),
    type: TransferRef,
    nullable: true,
    description:
      "One transfer's status and steps, from Redis. Null when unknown, or (for a customer) not theirs.",
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) =>
      visibleTransfer(ctx, await ctx.services.views.transfers.get(String(id))),
  }),
);

const TransferMoneyInput = builder.inputType("TransferMoneyInput", {
  fields: (t) => ({
    transferId: t.id({
      required: false,
      description: "Optional: choose the id; by default one is generated.",
    }),
    fromAccountId: t.id({ required: true }),
    toAccountId: t.id({ required: true }),
    amount: t.field({ type: MoneyInput, required: true }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("transferMoney", (t) =>
  t.field({
    type: ChangeRef,
    description:
      "Moves money between two accounts of one currency. The transfer is recorded at once (TransferRequested); " +
      "the transfer process then debits the source and credits the destination, and reverses the debit when " +
      "the destination refuses. Select `transfer(settled: true)` to wait for the outcome. Customers transfer " +
      "from their own accounts.",
    authScopes: { customer: true, admin: true },
    errors: { types: [...commandErrors, AccountNotFound, TransferAlreadyExists] },
    args: { input: t.arg({ type: TransferMoneyInput, required: true }) },
    resolve: commandResolver("RequestTransfer", async (_root, { input }, ctx) => {
      const fromAccountId = String(input.fromAccountId);
      const toAccountId = String(input.toAccountId);
      // A customer moves money out of their own accounts only; someone else's reads as missing.
      if (isCustomer(ctx) && !visibleAccount(ctx, await ctx.services.views.accounts.get(fromAccountId))) {
        throw new AccountNotFound(fromAccountId);
      }
      const transferId = input.transferId
        ? String(input.transferId)
        : input.idempotencyKey
          ? derivedId("t", ctx.userId, input.idempotencyKey)
          : ctx.services.newId();
      const amount = parsePositiveAmount(input.amount.amount, input.amount.currency);
      if (fromAccountId === toAccountId) {
        throw new ValidationError("toAccountId", "A transfer needs two different accounts");
      }
      return ctx.services.commands.execute(
        aggregates.TRANSFER,
        transferId,
        {
          type: "RequestTransfer",
          transferId,
          fromAccountId,
          toAccountId,
          amount,
          currency: input.amount.currency,
          at: ctx.services.clock().toISOString(),
        },
        commandContext(ctx, input),
      );
    }),
  }),
);
