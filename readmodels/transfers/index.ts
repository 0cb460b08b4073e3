import type { Redis } from "ioredis";
import type { TransferEvent } from "../../domain/transfers/events";
import { transferStreamId, transferStreamPrefix } from "../../domain/transfers/state";
import { transferEventFromStored } from "../../domain/transfers/upcasters";
import type { RecordedEvent } from "../../eventstore/port";
import { formatPosition } from "../../eventstore/position";
import { hashCodec, integer, oneOf, optionalText, text } from "../codec";
import { entityGuard } from "../guards";
import { part, type ReadModelKeys } from "../keys";
import { defineView, type Projection, type Projector } from "../view";

const name = "transfers";

export const transferStatuses = ["pending", "completed", "failed", "compensated"] as const;
export type TransferViewStatus = (typeof transferStatuses)[number];

/** Each step of a transfer, as the transfer's stream recorded it: when, or null (not yet, never). */
export const transferSteps = [
  "requestedAt",
  "debitedAt",
  "completedAt",
  "failedAt",
  "compensatedAt",
] as const;
export type TransferStep = (typeof transferSteps)[number];

/** A transfer's hash, field by field. */
export type StoredTransfer = {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: TransferViewStatus | "";
  /** Why it failed or was compensated, in the transfer's terms; and for people. */
  readonly reason: string | null;
  readonly detail: string | null;
  /** Who asked for it (the request's user). */
  readonly requestedBy: string | null;
  /** The request's correlation id, and the TransferRequested event's id: every movement the
   * transfer made on the accounts names it as its cause. */
  readonly correlationId: string | null;
  readonly requestEventId: string | null;
  readonly revision: number;
  readonly position: string;
} & { readonly [S in TransferStep]: string | null };

export const transferLayout = hashCodec<StoredTransfer>({
  transferId: text,
  fromAccountId: text,
  toAccountId: text,
  amount: integer(),
  currency: text,
  status: oneOf<TransferViewStatus | "">(["", ...transferStatuses], ""),
  reason: optionalText,
  detail: optionalText,
  requestedBy: optionalText,
  correlationId: optionalText,
  requestEventId: optionalText,
  revision: integer(-1),
  position: text,
  ...(Object.fromEntries(transferSteps.map((step) => [step, optionalText])) as {
    [S in TransferStep]: typeof optionalText;
  }),
});

export type TransferView = Omit<StoredTransfer, "status"> & { readonly status: TransferViewStatus };

/** A transfer's hash belongs to the transfer's stream (on a spread layout, to its partition). */
function transferKey(keys: ReadModelKeys, transferId: string): string {
  return `${keys.viewPrefix({ stream: transferStreamId(transferId) })}transfer:${part(transferId)}`;
}

/**
 * Transfers: one hash per transfer, its status (pending until completed, failed or compensated),
 * the instant of every step and why it ended as it did; guarded by its own revision field.
 */
export function transfersProjector(keys: ReadModelKeys): Projector {
  return {
    name,
    filter: { streamPrefixes: [transferStreamPrefix] },
    guardFor: (event) =>
      entityGuard(transferKey(keys, event.streamId.slice(transferStreamPrefix.length)), event),
    project(recorded: RecordedEvent): Projection {
      const event = transferEventFromStored(recorded);
      const key = transferKey(keys, event.data.transferId);
      const guard = entityGuard(key, recorded);
      const position = formatPosition(recorded.position);
      const changed = changeOf(event, recorded);
      return { guard, ops: [transferLayout.set(key, { ...changed, position })], notices: [] };
    },
  };
}

function changeOf(event: TransferEvent, recorded: RecordedEvent): Partial<StoredTransfer> {
  switch (event.type) {
    case "TransferRequested": {
      const { transferId, fromAccountId, toAccountId, amount, currency, requestedAt } = event.data;
      return {
        transferId,
        fromAccountId,
        toAccountId,
        amount,
        currency,
        status: "pending",
        requestedAt,
        requestedBy: recorded.metadata.userId ?? null,
        correlationId: recorded.metadata.correlationId ?? null,
        requestEventId: recorded.id,
      };
    }
    case "TransferDebited":
      return { debitedAt: event.data.debitedAt };
    case "TransferCompleted":
      return { status: "completed", completedAt: event.data.completedAt };
    case "TransferFailed": {
      const { reason, detail, failedAt } = event.data;
      return { status: "failed", reason, detail, failedAt };
    }
    case "TransferCompensated": {
      const { reason, detail, compensatedAt } = event.data;
      return { status: "compensated", reason, detail, compensatedAt };
    }
  }
}

export class TransfersReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  async get(transferId: string): Promise<TransferView | null> {
    const stored = transferLayout.decode(await this.redis.hgetall(transferKey(this.keys, transferId)));
    if (stored.status === "") return null;
    return { ...stored, status: stored.status };
  }
}

/** Transfers: each transfer's status and steps. */
export const transfersView = defineView({
  name,
  spreads: true,
  projector: transfersProjector,
  reader: (redis, keys) => new TransfersReader(redis, keys),
});
