import type { AccountEvent } from "../../domain/banking/events";
import { accountStreamPrefix } from "../../domain/banking/state";
import type { RecordedEvent } from "../../eventstore/port";
import { formatPosition } from "../../eventstore/position";
import { ledgerGuard } from "../guards";
import type { ReadModelKeys } from "../keys";
import type { Projection, Projector } from "../view";
import { accountTransactionsName as name, movementLayout, type StoredMovement } from "./layout";

/**
 * The audit trail: every money movement of an account, with who did it, when, the correlation
 * id of the request and the balance after it. A Redis stream per account whose entry ids are
 * event positions, so pages are ranges and nothing is ever rewritten.
 */
export function accountTransactionsProjector(keys: ReadModelKeys): Projector {
  return {
    name,
    filter: { streamPrefixes: [accountStreamPrefix] },
    guardFor: (event) => ledgerGuard(keys, name, event),
    project(recorded: RecordedEvent): Projection {
      const event = { type: recorded.type, data: recorded.data } as AccountEvent;
      const guard = ledgerGuard(keys, name, recorded);
      const movement = movementOf(event);
      if (!movement) return { guard, ops: [], notices: [] };
      const entry: StoredMovement = {
        ...movement,
        eventId: recorded.id,
        revision: recorded.revision,
        userId: recorded.metadata.userId ?? null,
        correlationId: recorded.metadata.correlationId ?? null,
        causationId: recorded.metadata.causationId ?? null,
      };
      const stream = keys.accountTransactions(event.data.accountId);
      return {
        guard,
        ops: [movementLayout.entry(stream, formatPosition(recorded.position), 0, entry)],
        notices: [],
      };
    },
  };
}

type Movement = Pick<
  StoredMovement,
  "kind" | "amount" | "currency" | "balanceAfter" | "at" | "reference" | "transferId"
>;

function movementOf(event: AccountEvent): Movement | null {
  switch (event.type) {
    case "MoneyDeposited":
      return { kind: "DEPOSIT", ...money(event.data), at: event.data.depositedAt, reference: null };
    case "MoneyWithdrawn":
      return {
        kind: "WITHDRAWAL",
        ...money(event.data),
        at: event.data.withdrawnAt,
        reference: event.data.withdrawalId,
      };
    case "WithdrawalReversed":
      return {
        kind: "REVERSAL",
        ...money(event.data),
        at: event.data.reversedAt,
        reference: event.data.withdrawalId,
      };
    default:
      return null;
  }
}

function money(data: { amount: number; currency: string; balanceAfter: number; transferId?: string }) {
  return {
    amount: data.amount,
    currency: data.currency,
    balanceAfter: data.balanceAfter,
    transferId: data.transferId ?? null,
  };
}
