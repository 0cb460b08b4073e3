import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { parseTraceparent } from "../../eventstore/traceparent";
import { startTracing, type Tracing } from "../../server/tracing";
import { subscribeSse, type LiveSubscription } from "../support/live";
import { eventually, projectionsCaughtUp, startTestService, type TestService } from "../support/service";

/**
 * The whole service in this process, tracing into memory (the SDK set up as with an OTLP endpoint,
 * only the exporter differs). The trace crosses two asynchronous boundaries for real: the projectors
 * read the event back from PostgreSQL (the trace context in its metadata), and the gateway hears of
 * the change over Redis pub/sub (the trace context in the change notice).
 */
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let t: TestService;
beforeAll(async () => {
  tracing = await startTracing({
    otlpTracesUrl: null,
    serviceName: "ledgerline-test",
    instanceId: "tracing-test",
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
  await tracing?.shutdown();
});

type AccountPush = {
  data: { accountUpdated: { position: string; account: { balance: { amount: string } } } };
};

async function mutation(query: string): Promise<Record<string, Record<string, unknown>>> {
  const response = await t.gql<Record<string, Record<string, unknown>>>(query);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

describe("one deposit, one trace", () => {
  let live: LiveSubscription<AccountPush> | null = null;
  afterAll(async () => {
    await live?.close();
  });

  it("follows the mutation through the command, the append, every projector that applies it and the push to a subscriber", async () => {
    expect(tracing.enabled).toBe(true);
    const opened = await mutation(
      `mutation Open { openAccount(input: { ownerId: "tara", currency: "USD", accountId: "tr-1" }) { __typename } }`,
    );
    expect(opened.openAccount!.__typename).toBe("AccountChange");
    await projectionsCaughtUp(t);
    live = await subscribeSse<AccountPush>(
      t.url,
      `subscription Watch { accountUpdated(id: "tr-1") { position account { balance { amount } } } }`,
      {},
      { token: await t.token("admin", "ops") },
    );
    await live.waitFor(1);
    exporter.reset();

    const deposited = await mutation(
      `mutation Deposit { deposit(input: { accountId: "tr-1", amount: { amount: "12.50", currency: "USD" } }) { __typename ... on AccountChange { eventIds position } } }`,
    );
    const [eventId] = deposited.deposit!.eventIds as string[];
    const [, pushed] = await live.waitFor(2);
    expect(pushed!.data.accountUpdated.account.balance.amount).toBe("12.50");

    const root = await eventually(async () => {
      const found = exporter.getFinishedSpans().find((span) => span.name === "mutation Deposit");
      expect(found).toBeDefined();
      return found!;
    });
    const traceId = root.spanContext().traceId;
    const inTrace = () =>
      exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    // Every projector that takes deposits, and the push: they finish after the mutation answered.
    const spans = await eventually(async () => {
      const names = inTrace().map((span) => span.name);
      expect(names).toEqual(
        expect.arrayContaining([
          "mutation Deposit",
          "command DepositMoney",
          "eventstore append",
          "projector accounts",
          "projector account-transactions",
          "projector balance-history",
          "live push",
        ]),
      );
      return inTrace();
    });

    // Connected: one root, and every other span's parent is in the trace.
    const ids = new Set(spans.map((span) => span.spanContext().spanId));
    const roots = spans.filter((span) => !span.parentSpanContext || !ids.has(span.parentSpanContext.spanId));
    expect(roots.map((span) => span.name)).toEqual(["mutation Deposit"]);
    expect(root.parentSpanContext).toBeUndefined();

    // The chain: request → command → append → each projector's apply → the push.
    const one = (name: string) => {
      const matching = spans.filter((span) => span.name === name);
      expect(matching, name).toHaveLength(1);
      return matching[0]!;
    };
    const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
    const command = one("command DepositMoney");
    const append = one("eventstore append");
    const accounts = one("projector accounts");
    expect(parentOf(command)).toBe(root.spanContext().spanId);
    expect(parentOf(append)).toBe(command.spanContext().spanId);
    for (const projector of spans.filter((span) => span.name.startsWith("projector "))) {
      expect(parentOf(projector), projector.name).toBe(append.spanContext().spanId);
      expect(projector.attributes["ledgerline.event_id"]).toBe(eventId);
      expect(projector.attributes["ledgerline.outcome"]).toBe("applied");
    }
    const push = spans.find((span) => span.name === "live push")!;
    expect(parentOf(push)).toBe(accounts.spanContext().spanId);
    expect(push.attributes["ledgerline.notice"]).toBe(deposited.deposit!.position);

    // The event carries the append's context; no span about it lives in another trace.
    const [stored] = await t.service.store.readStream(accountStreamId("tr-1"), { fromRevision: 1 });
    expect(stored!.id).toBe(eventId);
    expect(parseTraceparent(stored!.metadata.traceparent)).toEqual({
      traceId,
      spanId: append.spanContext().spanId,
      traceFlags: 1,
    });
    const elsewhere = exporter
      .getFinishedSpans()
      .filter(
        (span) =>
          span.spanContext().traceId !== traceId && span.attributes["ledgerline.event_id"] === eventId,
      );
    expect(elsewhere).toEqual([]);
  });

  it("continues the caller's trace when the request carries a traceparent", async () => {
    exporter.reset();
    const caller = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
    const response = await fetch(t.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await t.token("admin", "ops")}`,
        traceparent: `00-${caller.traceId}-${caller.spanId}-01`,
      },
      body: JSON.stringify({ query: `query Look { account(id: "tr-1") { revision } }` }),
    });
    expect(response.status).toBe(200);
    const span = await eventually(async () => {
      const found = exporter.getFinishedSpans().find((s) => s.name === "query Look");
      expect(found).toBeDefined();
      return found!;
    });
    expect(span.spanContext().traceId).toBe(caller.traceId);
    expect(span.parentSpanContext?.spanId).toBe(caller.spanId);
  });

  it("adds no span to old traces while a projector rebuilds its view from the log", async () => {
    exporter.reset();
    const checkpoint = `${t.prefix}projector:accounts:checkpoint`;
    await t.service.redis.del(checkpoint);
    // The projector notices, rewinds its group and applies the log again from the start.
    await eventually(async () => {
      expect(await t.service.redis.exists(checkpoint)).toBe(1);
    }, 15_000);
    await projectionsCaughtUp(t);
    expect(exporter.getFinishedSpans().filter((span) => span.name === "projector accounts")).toEqual([]);
  });
});
