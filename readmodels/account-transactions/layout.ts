import { hashCodec, integer, oneOf, optionalText, text } from "../codec";

export const accountTransactionsName = "account-transactions";

/** One money movement of the audit trail, as a stream entry (its id is the event's position). */
export interface StoredMovement {
  readonly kind: "DEPOSIT" | "WITHDRAWAL" | "REVERSAL";
  readonly amount: number;
  readonly currency: string;
  readonly balanceAfter: number;
  readonly at: string;
  readonly eventId: string;
  readonly revision: number;
  readonly userId: string | null;
  readonly correlationId: string | null;
  /** The withdrawal id (withdrawals, reversals), or null. */
  readonly reference: string | null;
  /** The transfer the movement belongs to, when it is one. */
  readonly transferId: string | null;
  /** What caused it: the event a process reacted to (a transfer's request, say), or the command. */
  readonly causationId: string | null;
}

export interface AccountTransaction extends StoredMovement {
  /** Position of the event ("commit:prepare"); also the pagination cursor. */
  readonly position: string;
}

export const movementLayout = hashCodec<StoredMovement>({
  kind: oneOf(["DEPOSIT", "WITHDRAWAL", "REVERSAL"], "DEPOSIT"),
  amount: integer(),
  currency: text,
  balanceAfter: integer(),
  at: text,
  eventId: text,
  revision: integer(),
  userId: optionalText,
  correlationId: optionalText,
  reference: optionalText,
  transferId: optionalText,
  causationId: optionalText,
});
