import type { Redis } from "ioredis";
import type { ReadModelKeys } from "./keys";

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
    if (accountIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of accountIds) pipeline.hgetall(this.keys.account(id));
    const replies = (await pipeline.exec()) ?? [];
    return accountIds.map((id, i) => {
      const [error, hash] = replies[i] ?? [null, {}];
      if (error) throw error;
      return accountFromHash(id, hash as Record<string, string>);
    });
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
