/**
 * W3C Trace Context (`traceparent`) in an event's metadata: the command runtime writes the span
 * context of the append that recorded the event, so whoever handles the event later (projectors,
 * the live push to subscribers) continues the request's trace across the asynchronous boundary.
 * Plain text both ways, with no tracing library: the port only carries it.
 */

/** The parts of a span context a `traceparent` holds (the shape of OpenTelemetry's SpanContext). */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  /** Bit 0: sampled. */
  readonly traceFlags: number;
}

const pattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const allZero = /^0+$/;

/** `00-<trace id>-<span id>-<flags>`; null for an invalid (all-zero) context, which has no trace. */
export function formatTraceparent(context: TraceParent): string | null {
  if (!/^[0-9a-f]{32}$/.test(context.traceId) || !/^[0-9a-f]{16}$/.test(context.spanId)) return null;
  if (allZero.test(context.traceId) || allZero.test(context.spanId)) return null;
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** The span context in a `traceparent` (version 00), or null when absent or malformed. */
export function parseTraceparent(value: unknown): TraceParent | null {
  if (typeof value !== "string") return null;
  const match = pattern.exec(value);
  if (!match || allZero.test(match[1]!) || allZero.test(match[2]!)) return null;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) };
}
