import { ConcurrencyConflict, IdempotencyKeyReused, ServiceUnavailable } from "../commands/errors";
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
import { EventContractViolation } from "../domain/shared/contracts";
import { ValidationError } from "../domain/shared/errors";
import { builder } from "./builder";
import { MoneyRef } from "./money";

/**
 * Expected failures are typed results a client selects on (`... on InsufficientFunds`), all
 * implementing `Error { code message }`. Anything else is an unexpected error and is masked.
 */
export const ErrorInterface = builder.interfaceRef<Error & { code: string }>("Error").implement({
  description: "An expected failure of a command: a stable code and a human-readable message.",
  fields: (t) => ({
    code: t.exposeString("code"),
    message: t.exposeString("message"),
  }),
});

const interfaces = [ErrorInterface];

builder.objectType(ValidationError, {
  name: "ValidationError",
  description: "The input can never be valid as given (bad amount, unknown currency, empty field, ...).",
  interfaces,
  fields: (t) => ({ field: t.exposeString("field") }),
});

builder.objectType(AccountNotFound, {
  name: "AccountNotFound",
  interfaces,
  fields: (t) => ({ accountId: t.exposeID("accountId") }),
});

builder.objectType(AccountAlreadyOpen, {
  name: "AccountAlreadyOpen",
  interfaces,
  fields: (t) => ({ accountId: t.exposeID("accountId") }),
});

builder.objectType(AccountClosedError, {
  name: "AccountClosed",
  interfaces,
  fields: (t) => ({ accountId: t.exposeID("accountId") }),
});

builder.objectType(InsufficientFunds, {
  name: "InsufficientFunds",
  interfaces,
  fields: (t) => ({
    accountId: t.exposeID("accountId"),
    available: t.field({
      type: MoneyRef,
      resolve: (error) => ({ minorUnits: error.balance, currency: error.currency }),
    }),
    requested: t.field({
      type: MoneyRef,
      resolve: (error) => ({ minorUnits: error.requested, currency: error.currency }),
    }),
  }),
});

builder.objectType(CurrencyMismatch, {
  name: "CurrencyMismatch",
  interfaces,
  fields: (t) => ({
    accountCurrency: t.exposeString("accountCurrency"),
    given: t.exposeString("given"),
  }),
});

builder.objectType(WithdrawalNotFound, {
  name: "WithdrawalNotFound",
  interfaces,
  fields: (t) => ({ withdrawalId: t.exposeID("withdrawalId") }),
});

builder.objectType(WithdrawalAlreadyReversed, {
  name: "WithdrawalAlreadyReversed",
  interfaces,
  fields: (t) => ({ withdrawalId: t.exposeID("withdrawalId") }),
});

builder.objectType(AccountNotEmpty, {
  name: "AccountNotEmpty",
  interfaces,
  fields: (t) => ({
    accountId: t.exposeID("accountId"),
    balance: t.field({
      type: MoneyRef,
      resolve: (error) => ({ minorUnits: error.balance, currency: error.currency }),
    }),
  }),
});

builder.objectType(ConcurrencyConflict, {
  name: "ConcurrencyConflict",
  description: "The aggregate kept changing under the command; retrying the request is safe.",
  interfaces,
  fields: (t) => ({ streamId: t.exposeString("streamId"), attempts: t.exposeInt("attempts") }),
});

builder.objectType(IdempotencyKeyReused, {
  name: "IdempotencyKeyReused",
  description: "This idempotency key was already used for a different request.",
  interfaces,
  fields: (t) => ({ key: t.exposeString("key") }),
});

builder.objectType(ServiceUnavailable, {
  name: "ServiceUnavailable",
  description:
    "Nothing was written, for a reason that passes: the event store cannot be reached (EVENT_STORE_UNAVAILABLE), " +
    "or a view the command reads is still being built (VIEW_NOT_READY). Retry after `retryAfter` seconds.",
  interfaces,
  fields: (t) => ({
    retryAfter: t.exposeInt("retryAfterSeconds", {
      description: "Seconds after which a retry is worth trying.",
    }),
  }),
});

builder.objectType(EventContractViolation, {
  name: "EventContractViolation",
  description:
    "The command produced an event that does not fit its published schema (schema/events/), so the event store " +
    "refused it and nothing was written. A fault of the service, not of the request; `field` names what did not fit.",
  interfaces,
  fields: (t) => ({
    eventType: t.exposeString("eventType"),
    schemaVersion: t.exposeInt("schemaVersion"),
    field: t.exposeString("field", { description: "The first field at fault, e.g. `lines[0].quantity`." }),
  }),
});

/** Errors every command can answer with. */
export const commandErrors = [
  ValidationError,
  ConcurrencyConflict,
  IdempotencyKeyReused,
  ServiceUnavailable,
  EventContractViolation,
] as const;
