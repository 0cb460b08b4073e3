import type { Redis } from "ioredis";
import { orderStreamPrefix } from "../../domain/ordering/state";
import { orderEventFromStored } from "../../domain/ordering/upcasters";
import type { RecordedEvent } from "../../eventstore/port";
import { beforeEveryEvent, formatPosition } from "../../eventstore/position";
import { hashCodec, integer, text } from "../codec";
import { ledgerGuard } from "../guards";
import { readHashes } from "../hashes";
import { part, type ReadModelKeys } from "../keys";
import { defineView, type LiveSource, type Projection, type Projector } from "../view";
import { entriesSince, entryIdOf, positionOfEntry } from "../view-history";

/**
 * Top customers: customers ranked by net spend (payments confirmed minus refunds, refunds of
 * cancelled paid orders included) per currency. A sorted set per currency holds the ranking (its
 * score the net spend, so the top N is one range), a hash per customer the figures, and a capped
 * stream of changes gives live clients their resume point. Every figure is an increment across
 * many order streams, so the ledger guard is what keeps each payment and refund counted once.
 */
const name = "top-customers";

/** Changes kept per currency for live clients that reconnect with `since`. */
const historyLength = 100;

/** This view's keys: the key module's prefix and encoding, the names its own. */
function keysOf(keys: ReadModelKeys) {
  const base = (currency: string) => `${keys.viewPrefix()}top-customers:${part(currency)}`;
  return {
    ranking: base,
    spend: (currency: string, customerId: string) => `${base(currency)}:customer:${part(customerId)}`,
    history: (currency: string) => `${base(currency)}:history`,
    changes: (currency: string) => `${keys.prefix}changes:top-customers:${part(currency)}`,
  };
}

export interface StoredSpend {
  readonly customerId: string;
  readonly currency: string;
  /** Minor units paid (payments confirmed). */
  readonly paid: number;
  /** Minor units given back (refunds issued, payments returned on cancellation). */
  readonly refunded: number;
  readonly paidOrders: number;
}

export const spendLayout = hashCodec<StoredSpend>({
  customerId: text,
  currency: text,
  paid: integer(),
  refunded: integer(),
  paidOrders: integer(),
});

export interface CustomerSpend extends StoredSpend {
  /** 1 for the customer who spent most. */
  readonly rank: number;
  /** Paid minus refunded. */
  readonly netSpend: number;
}

export interface TopCustomersView {
  readonly currency: string;
  readonly customers: readonly CustomerSpend[];
  /** Position of the last change the ranking includes; null before the first payment. */
  readonly position: string | null;
}

type Change = { customerId: string; currency: string; paid?: number; refunded?: number; paidOrders?: number };

function changeOf(recorded: RecordedEvent): Change | null {
  const event = orderEventFromStored(recorded);
  switch (event.type) {
    case "PaymentConfirmed": {
      const { customerId, currency, amount } = event.data;
      return { customerId, currency, paid: amount, paidOrders: 1 };
    }
    case "RefundIssued": {
      const { customerId, currency, amount } = event.data;
      return { customerId, currency, refunded: amount };
    }
    case "OrderCancelled": {
      const { customerId, currency, amountPaid } = event.data;
      return amountPaid > 0 ? { customerId, currency, refunded: amountPaid } : null;
    }
    default:
      return null;
  }
}

export function topCustomersProjector(keys: ReadModelKeys): Projector {
  const my = keysOf(keys);
  return {
    name,
    filter: { streamPrefixes: [orderStreamPrefix] },
    guardFor: (event) => ledgerGuard(keys, name, event),
    project(recorded: RecordedEvent): Projection {
      const guard = ledgerGuard(keys, name, recorded);
      const change = changeOf(recorded);
      if (!change) return { guard, ops: [], notices: [] };
      const { customerId, currency } = change;
      const position = formatPosition(recorded.position);
      const spend = my.spend(currency, customerId);
      const net = (change.paid ?? 0) - (change.refunded ?? 0);
      return {
        guard,
        ops: [
          spendLayout.set(spend, { customerId, currency }),
          ...(["paid", "refunded", "paidOrders"] as const)
            .filter((field) => change[field])
            .map((field) => spendLayout.increment(spend, field, change[field]!)),
          ["zincrby", my.ranking(currency), String(net), customerId],
          [
            "xappend",
            my.history(currency),
            entryIdOf(position),
            String(historyLength),
            "customerId",
            customerId,
          ],
        ],
        notices: [[my.changes(currency), position]],
      };
    },
  };
}

export class TopCustomersReader {
  private readonly my: ReturnType<typeof keysOf>;

  constructor(
    private readonly redis: Redis,
    keys: ReadModelKeys,
  ) {
    this.my = keysOf(keys);
  }

  /** The `first` customers who spent most in `currency`, most first, and the position it reflects. */
  async ranking(currency: string, first: number): Promise<TopCustomersView> {
    const [ids, last] = await Promise.all([
      this.redis.zrevrange(this.my.ranking(currency), 0, first - 1),
      this.redis.xrevrange(this.my.history(currency), "+", "-", "COUNT", 1),
    ]);
    const hashes = await readHashes(
      this.redis,
      ids.map((id) => this.my.spend(currency, id)),
    );
    const customers = ids.map((customerId, i) => {
      const spend = spendLayout.decode(hashes[i]!);
      return { ...spend, customerId, rank: i + 1, netSpend: spend.paid - spend.refunded };
    });
    return { currency, customers, position: last[0] ? positionOfEntry(last[0][0]) : null };
  }

  /**
   * The ranking, live: the ranking now, then the ranking after each change (changes that arrive
   * together are answered with one ranking, at the last one's position). Before the currency's
   * first payment the ranking now is the empty one, at the position before every event, so a
   * client that resumes from there is given every change after.
   */
  live(currency: string, first: number): LiveSource<TopCustomersView> {
    const history = this.my.history(currency);
    return {
      channel: this.my.changes(currency),
      // Clients of one currency asking for rankings of different lengths read their own.
      variant: String(first),
      current: async () => {
        const view = await this.ranking(currency, first);
        return { position: view.position ?? beforeEveryEvent, view };
      },
      changesSince: async (since) => {
        const { entries, complete } = await entriesSince(this.redis, history, since, historyLength);
        if (entries.length === 0) return { changes: [], complete };
        const view = await this.ranking(currency, first);
        const position = positionOfEntry(entries.at(-1)![0]);
        return { changes: [{ position, view: { ...view, position } }], complete };
      },
    };
  }
}

/** Top customers: customers ranked by net spend (paid minus refunded) per currency, live. */
export const topCustomersView = defineView({
  name,
  projector: topCustomersProjector,
  reader: (redis, keys) => new TopCustomersReader(redis, keys),
});
