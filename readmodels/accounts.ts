import type { Redis } from "ioredis";
import type { ReadModelKeys } from "./keys";
import { entryIdOf, fieldsToObject, positionOfEntry, readViewHistory, type ViewChange } from "./view-history";
import { readHashes } from "./hashes";

/** The account view as stored: one hash per account. Amounts are integer minor units. */
export interface AccountView {
  readonly accountId: string;
  readonly ownerId: string;
  readonly currency: string;
  readonly balance: number;
  readonly status: "open" | "closed";
  /** Revision of the last event of the account's stream applied to this view. */
  readonly revision: number;
  /** Global position of that event ("commit:prepare"). */
  readonly position: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
}

export function accountFromHash(accountId: string, hash: Record<string, string>): AccountView | null {
  if (!hash.ownerId) return null;
  return {
    accountId,
    ownerId: hash.ownerId,
    currency: hash.currency ?? "",
    balance: Number(hash.balance ?? "0"),
    status: hash.status === "closed" ? "closed" : "open",
    revision: Number(hash.revision ?? "-1"),
    position: hash.position ?? "",
    openedAt: hash.openedAt ?? "",
    updatedAt: hash.updatedAt ?? "",
    closedAt: hash.closedAt || null,
  };
}

export class AccountReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  async get(accountId: string): Promise<AccountView | null> {
    return accountFromHash(accountId, await this.redis.hgetall(this.keys.account(accountId)));
  }

  /** Many accounts in one round trip (pipelined), in the order asked. */
  async getMany(accountIds: readonly string[]): Promise<(AccountView | null)[]> {
    const hashes = await readHashes(this.redis, accountIds.map(this.keys.account));
    return accountIds.map((id, i) => accountFromHash(id, hashes[i]!));
  }

  /** Ids of an owner's accounts, oldest first, from `offset`, at most `limit`. */
  async idsByOwner(
    ownerId: string,
    offset: number,
    limit: number,
  ): Promise<{ ids: string[]; total: number }> {
    const key = this.keys.ownerAccounts(ownerId);
    const [ids, total] = await Promise.all([
      this.redis.zrange(key, offset, offset + limit - 1),
      this.redis.zcard(key),
    ]);
    return { ids, total };
  }
}

/** Changes of an account view kept for subscribers that reconnect with `since`. */
export const accountHistoryLength = 100;

/** One money movement of the audit trail. */
export interface AccountTransaction {
  /** Position of the event ("commit:prepare"); also the pagination cursor. */
  readonly position: string;
  readonly kind: "DEPOSIT" | "WITHDRAWAL" | "REVERSAL";
  readonly amount: number;
  readonly currency: string;
  readonly balanceAfter: number;
  readonly at: string;
  readonly eventId: string;
  readonly revision: number;
  readonly userId: string | null;
  readonly correlationId: string | null;
  readonly reference: string | null;
}

export class AccountHistoryReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  /** Movements newest first; `before` is the position cursor of the last one already seen. */
  async transactions(
    accountId: string,
    first: number,
    before: string | null,
  ): Promise<{ items: AccountTransaction[]; hasMore: boolean }> {
    const key = this.keys.accountTransactions(accountId);
    const end = before ? `(${entryIdOf(before)}` : "+";
    const entries = await this.redis.xrevrange(key, end, "-", "COUNT", first + 1);
    const items = entries.slice(0, first).map(([id, fields]) => {
      const f = fieldsToObject(fields);
      return {
        position: positionOfEntry(id),
        kind: f.kind as AccountTransaction["kind"],
        amount: Number(f.amount),
        currency: f.currency ?? "",
        balanceAfter: Number(f.balanceAfter),
        at: f.at ?? "",
        eventId: f.eventId ?? "",
        revision: Number(f.revision),
        userId: f.userId || null,
        correlationId: f.correlationId || null,
        reference: f.reference || null,
      };
    });
    return { items, hasMore: entries.length > first };
  }

  /** The balance (minor units) right after the last movement at or before `at`; null before opening. */
  async balanceAt(accountId: string, at: Date): Promise<number | null> {
    const [member] = await this.redis.zrevrangebyscore(
      this.keys.accountBalances(accountId),
      at.getTime(),
      "-inf",
      "LIMIT",
      0,
      1,
    );
    return member === undefined ? null : Number(member.split(":")[1]);
  }

  /** The account's views after `since`, from its capped history. */
  viewsSince(
    accountId: string,
    since: string,
  ): Promise<{ changes: ViewChange<AccountView>[]; complete: boolean }> {
    return readViewHistory(
      this.redis,
      this.keys.accountHistory(accountId),
      since,
      accountHistoryLength,
      (hash) => accountFromHash(accountId, hash),
    );
  }
}
