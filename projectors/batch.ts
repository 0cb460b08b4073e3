import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { DeliveredEvent, PersistentSubscription } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import { formatTraceparent, parseTraceparent } from "../eventstore/traceparent";
import type { BatchOutcome, UnitOutcome, ViewUnit } from "../readmodels/batch-writer";
import { noticeWithTrace } from "../readmodels/change-feed";
import { applyBatch, type ApplyOptions } from "./apply";
import type { ParkingPolicy } from "./parking";
import type { Projector } from "./projector";

export interface BatchResult {
  /** Redis lost the checkpoint: the view must be rebuilt from the start. */
  readonly lost: boolean;
  /** The view's live generation moved (a rebuild switched it): nothing was written; the runner
   * must move to the new generation and resume from its checkpoint. */
  readonly moved?: boolean;
  /** The checkpoint the apply script wrote, if it moved. */
  readonly checkpoint: string | null;
  readonly applied: number;
}

export interface BatchParts {
  readonly projector: Projector;
  readonly parking: ParkingPolicy;
  readonly apply: ApplyOptions;
  /** Continue the traces of the events that carry one (off while rebuilding: a rebuild would add a
   * span to the trace of every request the log ever served). */
  readonly traced?: boolean;
}

/** One span per applied event, in the trace of the request that appended it (no-ops unless on). */
const tracer = trace.getTracer("ledgerline.projectors");

/**
 * One delivered batch: project every event (pure), pass over the ones an operator marked to skip,
 * apply the guarded writes + checkpoint in one Lua call, ack what applied or was a duplicate and
 * hand the rest to the parking policy with its cause.
 */
export async function handleBatch(
  { projector, parking, apply, traced = true }: BatchParts,
  subscription: PersistentSubscription,
  batch: readonly DeliveredEvent[],
  checkpoint: string | null,
): Promise<BatchResult> {
  await parking.backOff(batch, apply.signal);
  const spans = traced ? batch.map((event) => eventSpan(projector.name, event, batch.length)) : [];
  const outcomes: (UnitOutcome | "lost" | "moved" | undefined)[] = [];
  try {
    const failures = new Map<string, string>();
    let units = batch.map((event, i) => project(projector, event, failures, spans[i] ?? null));
    const skipped = await parking.skippedIn(batch, failures.size > 0);
    if (skipped.size > 0) {
      units = batch.map((event, i) => (skipped.has(event.id) ? parking.passOver(event) : units[i]!));
    }
    const outcome: BatchOutcome = await applyBatch(apply, checkpoint, units);
    if (outcome.kind === "lost") {
      outcomes.push(...batch.map(() => "lost" as const));
      return { lost: true, checkpoint: null, applied: 0 };
    }
    if (outcome.kind === "fenced") {
      outcomes.push(...batch.map(() => "moved" as const));
      return { lost: false, moved: true, checkpoint: null, applied: 0 };
    }
    outcomes.push(...outcome.units);
    const settled: DeliveredEvent[] = [];
    let applied = 0;
    for (const [i, event] of batch.entries()) {
      const result = outcome.units[i];
      if (result === "applied" || result === "duplicate") {
        settled.push(event);
        if (result === "applied") applied++;
        continue;
      }
      const cause =
        result === "gap"
          ? null
          : (failures.get(event.id) ??
            outcome.refusals?.get(i) ??
            "the read model refused the event's writes");
      if (cause !== null) spans[i]?.setStatus({ code: SpanStatusCode.ERROR, message: cause });
      await parking.setAside(subscription, event, cause);
    }
    await subscription.ack(settled);
    await parking.skipsApplied(skipped);
    return { lost: false, checkpoint: outcome.checkpoint, applied };
  } finally {
    for (const [i, span] of spans.entries()) {
      if (!span) continue;
      span.setAttribute("ledgerline.outcome", outcomes[i] ?? "interrupted");
      span.end();
    }
  }
}

/** A span for the event, child of the append that recorded it; null for an event with no trace. */
function eventSpan(projector: string, event: DeliveredEvent, batchSize: number): Span | null {
  const parent = parseTraceparent(event.metadata.traceparent);
  if (!parent) return null;
  return tracer.startSpan(
    `projector ${projector}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "ledgerline.projector": projector,
        "ledgerline.event_id": event.id,
        "ledgerline.event_type": event.type,
        "ledgerline.stream_id": event.streamId,
        "ledgerline.position": formatPosition(event.position),
        "ledgerline.retry_count": event.retryCount,
        "ledgerline.batch_size": batchSize,
      },
    },
    trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true }),
  );
}

/**
 * The event's writes; a handler that throws gives a failed unit (retried, then parked). Its change
 * notices carry the event's span, so the push to subscribers joins the trace too.
 */
function project(
  projector: Projector,
  event: DeliveredEvent,
  failures: Map<string, string>,
  span: Span | null,
): ViewUnit {
  const position = formatPosition(event.position);
  try {
    const unit: ViewUnit = { position, ok: true, ...projector.project(event) };
    const traceparent = span && formatTraceparent(span.spanContext());
    if (!traceparent || unit.notices.length === 0) return unit;
    return {
      ...unit,
      notices: unit.notices.map(
        ([channel, message]) => [channel, noticeWithTrace(message, traceparent)] as const,
      ),
    };
  } catch (error) {
    failures.set(event.id, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return { position, ok: false, guard: null, ops: [], notices: [] };
  }
}
