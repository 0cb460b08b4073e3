import type { AccountEvent } from "../domain/banking/events";
import { accountStreamPrefix } from "../domain/banking/state";
import type { RecordedEvent } from "../eventstore/port";
import type { ReadModelKeys } from "../readmodels/keys";
import { ledgerGuard } from "./guards";
import type { Projection, Projector } from "./projector";

/**
 * Balance time travel: a sorted set per account of "balance after" scored by the instant of the
 * movement, so `balanceAt(t)` is one ZREVRANGEBYSCORE, no replay. Members are
 * "<revision, zero-padded>:<balance>": distinct even when the balance repeats, and ordered by
 * revision among movements of the same millisecond.
 */
export function balanceHistoryProjector(keys: ReadModelKeys): Projector {
  const name = "balance-history";
  return {
    name,
    filter: { streamPrefixes: [accountStreamPrefix] },
    guardFor: (event) => ledgerGuard(keys, name, event),
    project(recorded: RecordedEvent): Projection {
      const event = { type: recorded.type, data: recorded.data } as AccountEvent;
      const guard = ledgerGuard(keys, name, recorded);
      const point = pointOf(event);
      if (!point) return { guard, ops: [], notices: [] };
      const key = keys.accountBalances(event.data.accountId);
      return {
        guard,
        ops: [
          [
            "zadd",
            key,
            String(Date.parse(point.at)),
            `${String(recorded.revision).padStart(15, "0")}:${point.balance}`,
          ],
        ],
        notices: [],
      };
    },
  };
}

function pointOf(event: AccountEvent): { at: string; balance: number } | null {
  switch (event.type) {
    case "AccountOpened":
      return { at: event.data.openedAt, balance: 0 };
    case "MoneyDeposited":
      return { at: event.data.depositedAt, balance: event.data.balanceAfter };
    case "MoneyWithdrawn":
      return { at: event.data.withdrawnAt, balance: event.data.balanceAfter };
    case "WithdrawalReversed":
      return { at: event.data.reversedAt, balance: event.data.balanceAfter };
    default:
      return null;
  }
}
