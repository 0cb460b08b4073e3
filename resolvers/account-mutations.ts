import type { AccountCommand } from "../domain/banking/commands";
import {
  AccountAlreadyOpen,
  AccountClosedError,
  AccountNotEmpty,
  AccountNotFound,
  CurrencyMismatch,
  InsufficientFunds,
  WithdrawalAlreadyReversed,
  WithdrawalNotFound,
} from "../domain/banking/errors";
import { assertCurrency, parsePositiveAmount } from "../domain/shared/money";
import { accountAggregate } from "../commands/aggregates/account";
import type { CommandResult } from "../commands/result";
import { builder } from "../schema/builder";
import type { GraphQLContext } from "../schema/context";
import { commandErrors } from "../schema/errors";
import { MoneyInput } from "../schema/money";
import { accountAggregateFor } from "./access";
import { commandContext, commandResolver, derivedId } from "./command-context";

interface AccountChange extends CommandResult {
  readonly withdrawalId?: string;
}

export const AccountChangeRef = builder.objectRef<AccountChange>("AccountChange").implement({
  description:
    "What an account command did. `position` is the commit position of its last event: pass it to a query to read your own write.",
  fields: (t) => ({
    accountId: t.exposeID("aggregateId"),
    revision: t.exposeInt("revision", { description: "The account stream's revision after the command." }),
    position: t.field({ type: "Position", nullable: true, resolve: (change) => change.position }),
    eventIds: t.exposeIDList("eventIds"),
    replayed: t.exposeBoolean("replayed", {
      description: "True when this is the stored answer to an earlier request with the same idempotency key.",
    }),
    withdrawalId: t.exposeID("withdrawalId", { nullable: true }),
  }),
});

const idempotencyKeyField = {
  description:
    "Send the same key again (e.g. after a timeout) to get the first answer back without a second effect.",
} as const;

async function runAccountCommand(
  ctx: GraphQLContext,
  accountId: string,
  command: AccountCommand,
  input: Record<string, unknown>,
): Promise<CommandResult> {
  return ctx.services.commands.execute(
    accountAggregateFor(ctx, accountId),
    accountId,
    command,
    commandContext(ctx, input),
  );
}

/** A customer acts on their own accounts (checked against the account's state as it is loaded); admin on any. */
const ownAccountsOrAdmin = { customer: true, admin: true } as const;

function money(input: { amount: string; currency: string }) {
  return { amount: parsePositiveAmount(input.amount, input.currency), currency: input.currency };
}

const OpenAccountInput = builder.inputType("OpenAccountInput", {
  fields: (t) => ({
    ownerId: t.id({ required: true }),
    currency: t.string({ required: true, description: "ISO 4217 code, e.g. USD." }),
    accountId: t.id({
      required: false,
      description: "Optional: choose the id; by default one is generated.",
    }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("openAccount", (t) =>
  t.field({
    type: AccountChangeRef,
    description: "Customers open accounts for themselves (ownerId = their user id); admins for anyone.",
    authScopes: (_root, { input }) => ({
      admin: true,
      $all: { customer: true, self: String(input.ownerId) },
    }),
    errors: { types: [...commandErrors, AccountAlreadyOpen] },
    args: { input: t.arg({ type: OpenAccountInput, required: true }) },
    resolve: commandResolver("OpenAccount", async (_root, { input }, ctx) => {
      const accountId = input.accountId ? String(input.accountId) : ctx.services.newId();
      const ownerId = String(input.ownerId);
      assertCurrency(input.currency);
      const context = commandContext(ctx, input);
      return ctx.services.commands.execute(
        accountAggregate,
        accountId,
        { type: "OpenAccount", accountId, ownerId, currency: input.currency, at: context.now.toISOString() },
        context,
      );
    }),
  }),
);

const DepositInput = builder.inputType("DepositInput", {
  fields: (t) => ({
    accountId: t.id({ required: true }),
    amount: t.field({ type: MoneyInput, required: true }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("deposit", (t) =>
  t.field({
    type: AccountChangeRef,
    authScopes: ownAccountsOrAdmin,
    errors: { types: [...commandErrors, AccountNotFound, AccountClosedError, CurrencyMismatch] },
    args: { input: t.arg({ type: DepositInput, required: true }) },
    resolve: commandResolver("DepositMoney", (_root, { input }, ctx) => {
      const accountId = String(input.accountId);
      const { amount, currency } = money(input.amount);
      return runAccountCommand(
        ctx,
        accountId,
        { type: "DepositMoney", accountId, amount, currency, at: ctx.services.clock().toISOString() },
        input,
      );
    }),
  }),
);

const WithdrawInput = builder.inputType("WithdrawInput", {
  fields: (t) => ({
    accountId: t.id({ required: true }),
    amount: t.field({ type: MoneyInput, required: true }),
    withdrawalId: t.id({
      required: false,
      description: "Optional: choose the id; by default one is generated.",
    }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("withdraw", (t) =>
  t.field({
    type: AccountChangeRef,
    authScopes: ownAccountsOrAdmin,
    errors: {
      types: [...commandErrors, AccountNotFound, AccountClosedError, CurrencyMismatch, InsufficientFunds],
    },
    args: { input: t.arg({ type: WithdrawInput, required: true }) },
    resolve: commandResolver("WithdrawMoney", async (_root, { input }, ctx) => {
      const accountId = String(input.accountId);
      // Derived from the idempotency key when there is one, so a replayed answer names the same withdrawal.
      const withdrawalId = input.withdrawalId
        ? String(input.withdrawalId)
        : input.idempotencyKey
          ? derivedId("w", ctx.userId, input.idempotencyKey)
          : ctx.services.newId();
      const { amount, currency } = money(input.amount);
      const result = await runAccountCommand(
        ctx,
        accountId,
        {
          type: "WithdrawMoney",
          accountId,
          withdrawalId,
          amount,
          currency,
          at: ctx.services.clock().toISOString(),
        },
        input,
      );
      return { ...result, withdrawalId };
    }),
  }),
);

const ReverseWithdrawalInput = builder.inputType("ReverseWithdrawalInput", {
  fields: (t) => ({
    accountId: t.id({ required: true }),
    withdrawalId: t.id({ required: true }),
    reason: t.string({ required: true }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("reverseWithdrawal", (t) =>
  t.field({
    type: AccountChangeRef,
    description:
      "Staff: compensates a withdrawal with a WithdrawalReversed event; the withdrawal stays in history.",
    authScopes: { staff: true },
    errors: {
      types: [
        ...commandErrors,
        AccountNotFound,
        AccountClosedError,
        WithdrawalNotFound,
        WithdrawalAlreadyReversed,
      ],
    },
    args: { input: t.arg({ type: ReverseWithdrawalInput, required: true }) },
    resolve: commandResolver("ReverseWithdrawal", (_root, { input }, ctx) => {
      const accountId = String(input.accountId);
      const withdrawalId = String(input.withdrawalId);
      return runAccountCommand(
        ctx,
        accountId,
        {
          type: "ReverseWithdrawal",
          accountId,
          withdrawalId,
          reason: input.reason,
          at: ctx.services.clock().toISOString(),
        },
        input,
      );
    }),
  }),
);

const CloseAccountInput = builder.inputType("CloseAccountInput", {
  fields: (t) => ({
    accountId: t.id({ required: true }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("closeAccount", (t) =>
  t.field({
    type: AccountChangeRef,
    authScopes: ownAccountsOrAdmin,
    errors: { types: [...commandErrors, AccountNotFound, AccountClosedError, AccountNotEmpty] },
    args: { input: t.arg({ type: CloseAccountInput, required: true }) },
    resolve: commandResolver("CloseAccount", (_root, { input }, ctx) => {
      const accountId = String(input.accountId);
      return runAccountCommand(
        ctx,
        accountId,
        { type: "CloseAccount", accountId, at: ctx.services.clock().toISOString() },
        input,
      );
    }),
  }),
);
