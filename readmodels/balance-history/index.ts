import type { Redis } from "ioredis";
import type { AccountEvent } from "../../domain/banking/events";
import { accountStreamPrefix } from "../../domain/banking/state";
import type { RecordedEvent } from "../../eventstore/port";
import { ledgerGuard } from "../guards";
import type { ReadModelKeys } from "../keys";
import { defineView, type Projection, type Projector } from "../view";

const name = "balance-history";

/**
 * Members are "<revision, zero-padded>:<balance>": distinct even when the balance repeats, and
 * ordered by revision among movements of the same millisecond.
 */
const member = (revision: number, balance: number) => `${String(revision).padStart(15, "0")}:${balance}`;
const balanceOf = (text: string) => Number(text.split(":")[1]);

/**
 * Balance time travel: a sorted set per account of "balance after" scored by the instant of the
 * movement, so `balanceAt(t)` is one ZREVRANGEBYSCORE, no replay.
 */
export function balanceHistoryProjector(keys: ReadModelKeys): Projector {
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
        ops: [["zadd", key, String(Date.parse(point.at)), member(recorded.revision, point.balance)]],
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

export class BalanceHistoryReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  /** The balance (minor units) right after the last movement at or before `at`; null before opening. */
  async balanceAt(accountId: string, at: Date): Promise<number | null> {
    const key = this.keys.accountBalances(accountId);
    const [found] = await this.redis.zrevrangebyscore(key, at.getTime(), "-inf", "LIMIT", 0, 1);
    return found === undefined ? null : balanceOf(found);
  }
}

/** Balance history: an account's balance at any instant. */
export const balanceHistoryView = defineView({
  name,
  spreads: true,
  projector: balanceHistoryProjector,
  reader: (redis, keys) => new BalanceHistoryReader(redis, keys),
});
