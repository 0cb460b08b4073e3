import type { Redis } from "ioredis";
import type { ReadModelKeys } from "../keys";
import { defineView } from "../view";
import { entryIdOf, fieldsToObject, positionOfEntry } from "../view-history";
import { accountTransactionsName, movementLayout, type AccountTransaction } from "./layout";
import { accountTransactionsProjector } from "./projection";

export { accountTransactionsProjector } from "./projection";
export type { AccountTransaction } from "./layout";

export class AccountTransactionsReader {
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
    const end = before ? `(${entryIdOf(before)}` : "+";
    const entries = await this.redis.xrevrange(
      this.keys.accountTransactions(accountId),
      end,
      "-",
      "COUNT",
      first + 1,
    );
    const items = entries.slice(0, first).map(([id, fields]) => ({
      position: positionOfEntry(id),
      ...movementLayout.decode(fieldsToObject(fields)),
    }));
    return { items, hasMore: entries.length > first };
  }
}

/** Account transactions: the audit trail of every money movement, newest first. */
export const accountTransactionsView = defineView({
  name: accountTransactionsName,
  spreads: true,
  projector: accountTransactionsProjector,
  reader: (redis, keys) => new AccountTransactionsReader(redis, keys),
});
