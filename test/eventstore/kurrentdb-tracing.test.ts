import { randomUUID } from "node:crypto";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEventStore } from "../../eventstore/open";
import { EventStoreUnavailable, type EventStore } from "../../eventstore/port";
import { freePort } from "../../server/redis";
import { startTracing, type Tracing } from "../../server/tracing";

/**
 * Where the KurrentDB adapter runs, tracing turns on the client's own instrumentation
 * (@kurrent/opentelemetry). No server is needed to see it: an append to a port nobody listens on
 * still goes through the instrumented client, which records the attempt and its failure.
 */
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let store: EventStore;
beforeAll(async () => {
  tracing = await startTracing({
    otlpTracesUrl: null,
    serviceName: "ledgerline-test",
    instanceId: "kurrentdb-tracing-test",
    kurrentDb: true,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  store = await openEventStore(`kurrentdb://127.0.0.1:${await freePort()}?tls=false`);
});
afterAll(async () => {
  await store?.close();
  await tracing?.shutdown();
});

describe("the KurrentDB client's instrumentation", () => {
  it("records the adapter's appends as client spans in the caller's trace", async () => {
    const caller = trace.getTracer("test").startSpan("command Test");
    const appending = context.with(trace.setSpan(context.active(), caller), () =>
      store.appendToStream("account-kt-1", [
        { id: randomUUID(), type: "AccountOpened", data: { accountId: "kt-1" } },
      ]),
    );
    await expect(appending).rejects.toBeInstanceOf(EventStoreUnavailable);
    caller.end();

    const appends = exporter.getFinishedSpans().filter((span) => span.name === "streams.append");
    expect(appends.length).toBeGreaterThanOrEqual(1);
    const [span] = appends;
    expect(span!.attributes["db.operation"]).toBe("appendToStream");
    expect(span!.attributes["db.kurrentdb.stream"]).toBe("account-kt-1");
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(span!.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
  });
});
