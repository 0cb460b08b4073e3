import type { AccountEvent } from "../domain/banking/events";
import { accountStreamPrefix } from "../domain/banking/state";
import type { RecordedEvent } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import type { ViewOp } from "../readmodels/batch-writer";
import { entryIdOf as entryId } from "../readmodels/view-history";
import type { ReadModelKeys } from "../readmodels/keys";
import { ledgerGuard } from "./guards";
import type { Projection, Projector } from "./projector";

/**
 * The audit trail: every money movement of an account, with who did it, when, the correlation
 * id of the request and the balance after it. A Redis stream per account whose entry ids are
 * event positions, so pages are ranges and nothing is ever rewritten.
 */
export function accountTransactionsProjector(keys: ReadModelKeys): Projector {
  const name = "account-transactions";
  return {
    name,
    filter: { streamPrefixes: [accountStreamPrefix] },
    guardFor: (event) => ledgerGuard(keys, name, event),
    project(recorded: RecordedEvent): Projection {
      const event = { type: recorded.type, data: recorded.data } as AccountEvent;
      const guard = ledgerGuard(keys, name, recorded);
      const movement = movementOf(event);
      if (!movement) return { guard, ops: [], notices: [] };
      const position = formatPosition(recorded.position);
      const stream = keys.accountTransactions(event.data.accountId);
      const op: ViewOp = [
        "xappend",
        stream,
        entryId(position),
        "0",
        "kind",
        movement.kind,
        "amount",
        String(movement.amount),
        "currency",
        movement.currency,
        "balanceAfter",
        String(movement.balanceAfter),
        "at",
        movement.at,
        "eventId",
        recorded.id,
        "revision",
        String(recorded.revision),
        "userId",
        String(recorded.metadata.userId ?? ""),
        "correlationId",
        String(recorded.metadata.correlationId ?? ""),
        "reference",
        movement.reference,
      ];
      return { guard, ops: [op], notices: [] };
    },
  };
}

interface Movement {
  kind: "DEPOSIT" | "WITHDRAWAL" | "REVERSAL";
  amount: number;
  currency: string;
  balanceAfter: number;
  at: string;
  /** The withdrawal id (withdrawals, reversals) or the reason. */
  reference: string;
}

function movementOf(event: AccountEvent): Movement | null {
  switch (event.type) {
    case "MoneyDeposited":
      return { kind: "DEPOSIT", ...money(event.data), at: event.data.depositedAt, reference: "" };
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

function money(data: { amount: number; currency: string; balanceAfter: number }) {
  return { amount: data.amount, currency: data.currency, balanceAfter: data.balanceAfter };
}
