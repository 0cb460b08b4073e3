import { randomUUID } from "node:crypto";
import { SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { fold, type DomainEvent } from "../domain/shared/decider";
import { DomainError } from "../domain/shared/errors";
import {
  EventStoreUnavailable,
  IdempotencyKeyTaken,
  WrongExpectedRevision,
  type EventLog,
  type EventToAppend,
  type ExpectedRevision,
  type IdempotencyRecord,
  type JsonObject,
} from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import { formatTraceparent } from "../eventstore/traceparent";
import { foldStored, type AggregateType } from "./aggregate";
import { defaultSnapshotPolicy, shouldSnapshot, snapshotOf, type SnapshotSettings } from "./snapshots";
import type { CommandContext } from "./context";
import { ConcurrencyConflict, IdempotencyKeyReused, ServiceUnavailable } from "./errors";
import { fingerprint } from "./fingerprint";
import { KeyedMutex } from "./keyed-mutex";
import { StateCache, type CachedState } from "./state-cache";
import { resultFromJson, type CommandResult } from "./result";

export interface CommandRuntimeOptions {
  /** The command side appends and reads streams; it never needs consumer groups. */
  readonly store: EventLog;
  /** Re-load and re-decide rounds on an optimistic-concurrency conflict. */
  readonly maxAttempts?: number;
  readonly newId?: () => string;
  /** Load snapshot + tail instead of the whole stream, and keep snapshots by a policy. */
  readonly snapshots?: SnapshotSettings;
  /**
   * Streams whose last state this process keeps between commands (default 10,000; 0: none). A
   * command to a kept stream appends without reading it first; a stale entry costs a conflict
   * and a re-read, never a wrong answer.
   */
  readonly stateCacheSize?: number;
  /** Told of every command that ran: its type, its outcome ("ok" or the error's code) and how
   * long it took (metrics); of a command refused while its input was checked too, with no time
   * (nothing was loaded or appended). */
  readonly observe?: CommandObserver;
}

export type CommandObserver = (command: string, outcome: string, seconds: number | null) => void;

/** Spans of the command side: one per command, one per append attempt (no-ops unless tracing is on). */
const tracer = trace.getTracer("ledgerline.commands");

/**
 * Where a request's idempotency record is kept: keys are scoped per user, so two users' keys never
 * meet. Whoever looks a record up (a process asking whether a step was done) uses this too.
 */
export function idempotencyRecordKey(userId: string | undefined, key: string): string {
  return `${userId ?? "anonymous"}/${key}`;
}

/**
 * Load → decide → append with the expected revision; on conflict re-load and re-decide (bounded).
 * An idempotency key makes a repeated request answer what the first one answered and append
 * nothing; the record is written by the store in the append's own transaction.
 */
export class CommandRuntime {
  private readonly store: EventLog;
  private readonly maxAttempts: number;
  private readonly newId: () => string;
  private readonly observe: CommandObserver | undefined;
  /** Failures `execute` has told the observer of, so `checked` does not count them again. */
  private readonly observed = new WeakSet<object>();
  private readonly streams = new KeyedMutex();
  private readonly snapshots: SnapshotSettings | null;
  private readonly states: StateCache<unknown>;
  /** Streams read from the store to decide a command (the state cache saves the others). */
  streamReads = 0;

  constructor(options: CommandRuntimeOptions) {
    this.store = options.store;
    this.states = new StateCache(options.stateCacheSize ?? 10_000);
    this.snapshots = options.snapshots ?? null;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.newId = options.newId ?? randomUUID;
    this.observe = options.observe;
  }

  /** The log this runtime appends to and loads from (a process reads the facts it reacts to there). */
  get log(): EventLog {
    return this.store;
  }

  async execute<C extends { type: string }, E extends DomainEvent, S>(
    aggregate: AggregateType<C, E, S>,
    aggregateId: string,
    command: C,
    context: CommandContext,
  ): Promise<CommandResult> {
    const started = performance.now();
    const attributes = { "ledgerline.command": command.type, "ledgerline.aggregate_id": aggregateId };
    return tracer.startActiveSpan(`command ${command.type}`, { attributes }, async (span) => {
      try {
        const result = await this.run(aggregate, aggregateId, command, context);
        span.setAttributes({
          "ledgerline.events": result.eventIds.length,
          "ledgerline.replayed": result.replayed,
        });
        this.observe?.(command.type, "ok", (performance.now() - started) / 1000);
        return result;
      } catch (caught) {
        // A store that is away is a passing condition: say so, and when to retry.
        const error =
          caught instanceof EventStoreUnavailable
            ? new ServiceUnavailable(caught.message, caught.code, 1, { cause: caught })
            : caught;
        const code = errorCode(error);
        failed(span, error, code);
        this.observe?.(command.type, code, (performance.now() - started) / 1000);
        if (typeof error === "object" && error !== null) this.observed.add(error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /**
   * For a request that checks its input, builds a command and executes it (`attempt` does all
   * three): a refusal while checking (an amount of 0, an idempotency key too long, an unknown
   * product) is the command's answer as much as the decider's refusals are, so the observer hears
   * of it under `commandType`. What `execute` throws it has counted already.
   */
  async checked<T>(commandType: string, attempt: () => Promise<T> | T): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (!(typeof error === "object" && error !== null && this.observed.has(error)))
        this.observe?.(commandType, errorCode(error), null);
      throw error;
    }
  }

  private async run<C extends { type: string }, E extends DomainEvent, S>(
    aggregate: AggregateType<C, E, S>,
    aggregateId: string,
    command: C,
    context: CommandContext,
  ): Promise<CommandResult> {
    const idempotency = context.idempotency && {
      key: idempotencyRecordKey(context.userId, context.idempotency.key),
      fingerprint: fingerprint(command.type, context.idempotency.request),
    };
    if (idempotency) {
      const earlier = await this.replay(idempotency.key, idempotency.fingerprint);
      if (earlier) return earlier;
    }
    const streamId = aggregate.streamId(aggregateId);
    return this.streams.run(streamId, async () => {
      for (let attempt = 1; ; attempt++) {
        // The state kept from this process's last command to the stream, if any: decided on
        // without a read. Only an append may follow from it; anything else is decided again on
        // the stream as stored, which another process may have moved on.
        const cached = this.states.get(streamId) as CachedState<S> | undefined;
        const loaded: Loaded<S> = cached ? fromCache(cached) : await this.load(aggregate, streamId);
        this.states.forget(streamId);
        const { state, expectedRevision, revision } = loaded;
        let events: E[];
        try {
          events = aggregate.decider.decide(command, state);
        } catch (refusal) {
          if (cached) continue;
          // A concurrent request with the same key (another process) may have just done this: the
          // state it left refuses a second time. Then its answer is this request's answer.
          const earlier = idempotency && (await this.replay(idempotency.key, idempotency.fingerprint));
          if (earlier) return earlier;
          throw refusal;
        }
        if (events.length === 0) {
          if (cached) continue;
          this.states.set(streamId, { state, revision, snapshotRevision: loaded.snapshotRevision });
          return {
            aggregateId,
            streamId,
            revision,
            position: null,
            eventIds: [],
            eventTypes: [],
            replayed: false,
          };
        }
        const span = tracer.startSpan("eventstore append", {
          kind: SpanKind.CLIENT,
          attributes: {
            "ledgerline.stream_id": streamId,
            "ledgerline.expected_revision": String(expectedRevision),
            "ledgerline.events": events.length,
            "ledgerline.attempt": attempt,
            "ledgerline.state_cached": cached !== undefined,
          },
        });
        // Every event carries the append's span context: what handles it later joins this trace.
        const traceparent = formatTraceparent(span.spanContext());
        const toAppend = this.toAppend(aggregate, events, command, context, idempotency?.key, traceparent);
        const eventIds = toAppend.map((event) => event.id);
        const eventTypes = toAppend.map((event) => event.type);
        const record: IdempotencyRecord | undefined = idempotency && {
          key: idempotency.key,
          fingerprint: idempotency.fingerprint,
          streamId,
          answer: { aggregateId, streamId, eventIds, eventTypes } satisfies JsonObject,
        };
        try {
          const appended = await this.store
            .appendToStream(streamId, toAppend, { expectedRevision, idempotency: record })
            .then(
              (result) => {
                span.setAttribute("ledgerline.position", formatPosition(result.position));
                span.end();
                return result;
              },
              (error: unknown) => {
                failed(span, error, errorCode(error));
                span.end();
                throw error;
              },
            );
          const next = fold(aggregate.decider, events, state);
          const snapshotted = await this.maybeSnapshot(
            aggregate,
            streamId,
            loaded,
            next,
            appended.nextRevision,
          );
          this.states.set(streamId, {
            state: next,
            revision: appended.nextRevision,
            snapshotRevision: snapshotted ? appended.nextRevision : loaded.snapshotRevision,
          });
          return {
            aggregateId,
            streamId,
            revision: appended.nextRevision,
            position: formatPosition(appended.position),
            eventIds,
            eventTypes,
            replayed: false,
          };
        } catch (error) {
          if (error instanceof IdempotencyKeyTaken && idempotency) {
            // A concurrent request with the same key won the race: answer what it answered.
            const earlier = await this.replay(idempotency.key, idempotency.fingerprint);
            if (earlier) return earlier;
          }
          if (!(error instanceof WrongExpectedRevision)) throw error;
          // A kept state another process has moved past: read the stream, no need to wait.
          if (cached) continue;
          if (attempt >= this.maxAttempts) throw new ConcurrencyConflict(streamId, attempt);
          await backoff(attempt);
        }
      }
    });
  }

  private async replay(key: string, expectedFingerprint: string): Promise<CommandResult | null> {
    const record = await this.store.readIdempotencyRecord(key);
    if (!record) return null;
    if (record.fingerprint !== expectedFingerprint)
      throw new IdempotencyKeyReused(key.split("/").slice(1).join("/"));
    const answer = resultFromJson(record.answer);
    if (!record.appended) return answer;
    return {
      ...answer,
      revision: record.appended.nextRevision,
      position: formatPosition(record.appended.position),
    };
  }

  /**
   * Snapshots a stream now if events came since its last snapshot (the time-based rule: a sweep
   * calls this for every aggregate changed in its period). Returns whether it wrote one.
   */
  async snapshotNow<C extends { type: string }, E extends DomainEvent, S>(
    aggregate: AggregateType<C, E, S>,
    streamId: string,
  ): Promise<boolean> {
    if (!this.snapshots) return false;
    const snapshots = this.snapshots;
    return this.streams.run(streamId, async () => {
      const loaded = await this.load(aggregate, streamId);
      if (loaded.revision < 0 || loaded.revision <= loaded.snapshotRevision) return false;
      await snapshots.store.writeSnapshot(snapshotOf(aggregate, streamId, loaded.revision, loaded.state));
      this.states.forget(streamId);
      return true;
    });
  }

  /**
   * The aggregate's state and revision: from its snapshot plus the events after it when a snapshot
   * of today's state shape exists, else from the whole stream.
   */
  private async load<C extends { type: string }, E extends DomainEvent, S>(
    aggregate: AggregateType<C, E, S>,
    streamId: string,
  ): Promise<Loaded<S>> {
    this.streamReads++;
    const snapshot = await this.usableSnapshot(aggregate, streamId);
    const recorded = await this.store.readStream(
      streamId,
      snapshot ? { fromRevision: snapshot.revision + 1 } : undefined,
    );
    const state = foldStored(aggregate, recorded, snapshot ? (snapshot.state as S) : undefined);
    const revision = recorded.at(-1)?.revision ?? snapshot?.revision ?? -1;
    const snapshotRevision = snapshot?.revision ?? -1;
    return revision >= 0
      ? { state, expectedRevision: revision, revision, snapshotRevision }
      : { state, expectedRevision: "no_stream", revision: -1, snapshotRevision };
  }

  private async usableSnapshot<C extends { type: string }, E extends DomainEvent, S>(
    aggregate: AggregateType<C, E, S>,
    streamId: string,
  ) {
    if (!this.snapshots) return null;
    const snapshot = await this.snapshots.store.readSnapshot(streamId);
    if (!snapshot) return null;
    if (snapshot.stateVersion === aggregate.stateVersion) return snapshot;
    this.snapshots.onIgnored?.({ streamId, found: snapshot.stateVersion, expected: aggregate.stateVersion });
    return null;
  }

  /** After an append: snapshot the state it produced when the aggregate's policy says so (true: written). */
  private async maybeSnapshot<C extends { type: string }, E extends DomainEvent, S>(
    aggregate: AggregateType<C, E, S>,
    streamId: string,
    loaded: Loaded<S>,
    state: S,
    revision: number,
  ): Promise<boolean> {
    if (!this.snapshots) return false;
    const policy = this.snapshots.policyFor?.(aggregate.name) ?? defaultSnapshotPolicy;
    if (!shouldSnapshot(policy, revision, loaded.snapshotRevision, state)) return false;
    try {
      await this.snapshots.store.writeSnapshot(snapshotOf(aggregate, streamId, revision, state));
      return true;
    } catch (error) {
      // A snapshot is a cache: the command succeeded; the next one tries again.
      this.snapshots.onWriteFailed?.({ streamId, error });
      return false;
    }
  }

  private toAppend<C extends { type: string }, E extends DomainEvent, S>(
    aggregate: AggregateType<C, E, S>,
    events: readonly E[],
    command: C,
    context: CommandContext,
    idempotencyKey: string | undefined,
    traceparent: string | null,
  ): EventToAppend[] {
    const commandId = this.newId();
    const correlationId = context.correlationId ?? commandId;
    return events.map((event) => ({
      id: this.newId(),
      type: event.type,
      data: event.data as JsonObject,
      schemaVersion: aggregate.schemaVersionOf(event),
      metadata: {
        correlationId,
        causationId: context.causationId ?? commandId,
        commandType: command.type,
        ...(context.userId !== undefined && { userId: context.userId }),
        ...(idempotencyKey !== undefined && { idempotencyKey }),
        timestamp: context.now.toISOString(),
        ...(traceparent !== null && { traceparent }),
      },
    }));
  }
}

interface Loaded<S> {
  readonly state: S;
  readonly expectedRevision: ExpectedRevision;
  readonly revision: number;
  /** Revision the snapshot used covers (-1: none used). */
  readonly snapshotRevision: number;
}

function fromCache<S>(cached: CachedState<S>): Loaded<S> {
  return {
    state: cached.state,
    expectedRevision: cached.revision >= 0 ? cached.revision : "no_stream",
    revision: cached.revision,
    snapshotRevision: cached.snapshotRevision,
  };
}

/** An error's stable code (domain and command errors carry one); anything else is unexpected. */
function errorCode(error: unknown): string {
  if (
    error instanceof DomainError ||
    error instanceof ConcurrencyConflict ||
    error instanceof IdempotencyKeyReused ||
    error instanceof ServiceUnavailable ||
    error instanceof WrongExpectedRevision ||
    error instanceof IdempotencyKeyTaken
  ) {
    return error.code;
  }
  return "INTERNAL_ERROR";
}

/** A domain refusal is an answer, not a fault: the span says which; anything else is an error. */
function failed(span: Span, error: unknown, code: string): void {
  span.setAttribute("ledgerline.outcome", code);
  if (error instanceof DomainError) return;
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/** Jittered exponential backoff so conflicting writers from several processes spread out. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
