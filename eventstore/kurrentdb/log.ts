import type {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventLog,
  EventToAppend,
  IdempotencyRecord,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
} from "../port";
import { appendEvents, validateAppend } from "./append";
import { appendWithRecord, readIdempotencyRecord } from "./idempotency";
import type { KurrentIo } from "./io";
import { countAfter, headPosition, readAll, readStream } from "./reads";

/**
 * The EventLog port over KurrentDB: streams, expected revisions, `$all` and its positions map one
 * to one (append.ts, reads.ts); idempotency records are built on top (idempotency.ts).
 */
export class KurrentDbEventLog implements EventLog {
  constructor(
    private readonly io: KurrentIo,
    /** countAfter counts at most this many events (it reads each one). */
    private readonly countLimit: number,
  ) {}

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? "any";
    validateAppend(streamId, events, expected);
    return options.idempotency
      ? appendWithRecord(this.io, streamId, events, expected, options.idempotency)
      : appendEvents(this.io, streamId, events, expected);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return readStream(this.io, streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return readAll(this.io, options);
  }

  headPosition(): Promise<Position | null> {
    return headPosition(this.io);
  }

  countAfter(position: Position | null, filter?: EventFilter): Promise<number> {
    return countAfter(this.io, position, filter, this.countLimit);
  }

  readIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
    return readIdempotencyRecord(this.io, key);
  }

  /** One read of the log's end: answers, or EventStoreUnavailable at once (readiness, not retried). */
  async ping(): Promise<void> {
    await this.io.once(async () => {
      for await (const _ of this.io.client.readAll({
        direction: "backwards",
        fromPosition: "end",
        maxCount: 1,
      })) {
        break;
      }
    });
  }
}
