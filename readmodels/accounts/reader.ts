import type { Redis } from "ioredis";
import { readHashes } from "../hashes";
import { mergeByScore } from "../sorted-sets";
import type { ReadModelKeys } from "../keys";
import type { LiveSource } from "../view";
import { readViewHistory, type ViewChange } from "../view-history";
import { accountFromHash, accountHistoryLength, type AccountView } from "./layout";

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

  /**
   * Ids of an owner's accounts, oldest first, from `offset`, at most `limit`. On a cluster with the
   * view spread over partitions, each partition keeps the owner's accounts of its streams: the
   * first `offset + limit` of each, merged in the order one sorted set would give.
   */
  async idsByOwner(
    ownerId: string,
    offset: number,
    limit: number,
  ): Promise<{ ids: string[]; total: number }> {
    const keys = this.keys.inEveryPartition((placement) => this.keys.ownerAccounts(ownerId, placement));
    if (keys.length === 1) {
      const [ids, total] = await Promise.all([
        this.redis.zrange(keys[0]!, offset, offset + limit - 1),
        this.redis.zcard(keys[0]!),
      ]);
      return { ids, total };
    }
    const [parts, totals] = await Promise.all([
      Promise.all(keys.map((key) => this.redis.zrange(key, 0, offset + limit - 1, "WITHSCORES"))),
      Promise.all(keys.map((key) => this.redis.zcard(key))),
    ]);
    const ids = mergeByScore(parts).slice(offset, offset + limit);
    return { ids, total: totals.reduce((sum, n) => sum + n, 0) };
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

  /** One account, live. */
  live(accountId: string): LiveSource<AccountView> {
    return {
      channel: this.keys.accountChanges(accountId),
      current: async () => {
        const view = await this.get(accountId);
        return view && { position: view.position, view };
      },
      changesSince: (position) => this.viewsSince(accountId, position),
    };
  }
}
