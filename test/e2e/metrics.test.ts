import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountStreamId } from "../../domain/banking/state";
import { subscribeSse, subscribeWs } from "../support/live";
import { eventually, projectionsCaughtUp, startTestService, type TestService } from "../support/service";

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
});

const base = () => t.url.replace(/\/graphql$/, "");
const scrape = async () => {
  const response = await fetch(`${base()}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  return response.text();
};

/** The value of one sample, e.g. sample(text, 'x_total{a="b"}'); null when absent. */
function sample(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

async function post(
  query: string,
  token: string,
  variables?: Record<string, unknown>,
  operationName?: string,
) {
  const response = await fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables, operationName }),
  });
  return (await response.json()) as {
    data?: Record<string, Record<string, unknown> | null>;
    errors?: { extensions?: { code?: string } }[];
  };
}

describe("/metrics after queries, mutations and failures", () => {
  it("counts and times requests per operation, errors by code, commands by outcome, and shows projector lag, the pool and Redis", async () => {
    const admin = await t.token("admin", "ops");
    const customer = await t.token("customer", "mia");

    const open = await post(
      `mutation Open { openAccount(input: { ownerId: "mia", currency: "USD", accountId: "mx-1" }) { __typename } }`,
      admin,
    );
    expect(open.data?.openAccount?.__typename).toBe("AccountChange");
    const deposit = await post(
      `mutation Deposit { deposit(input: { accountId: "mx-1", amount: { amount: "5.00", currency: "USD" } }) { __typename } }`,
      admin,
    );
    expect(deposit.data?.deposit?.__typename).toBe("AccountChange");
    await projectionsCaughtUp(t);
    for (let i = 0; i < 3; i++) {
      const read = await post(`query Balance { account(id: "mx-1") { balance { amount } } }`, admin);
      expect(read.data?.account).toEqual({ balance: { amount: "5.00" } });
    }
    // A mutation the domain refuses: a typed error in the answer, not a GraphQL error.
    const overdraw = await post(
      `mutation Overdraw { withdraw(input: { accountId: "mx-1", amount: { amount: "50.00", currency: "USD" } }) { __typename } }`,
      admin,
    );
    expect(overdraw.data?.withdraw?.__typename).toBe("InsufficientFunds");
    // A mutation the gateway refuses: a customer asking for an operator's mutation.
    const refused = await post(`mutation Replay { replayParkedEvents(projector: "accounts") }`, customer);
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // And requests that never execute: one that does not parse, one that does not validate.
    expect((await post(`query Broken {`, admin)).errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect((await post(`query Wrong { nope }`, admin)).errors?.length).toBe(1);

    const text = await eventually(async () => {
      const current = await scrape();
      expect(sample(current, 'ledgerline_projector_lag_events{projector="accounts"}')).toBe(0);
      expect(sample(current, 'ledgerline_projector_status{projector="accounts",status="live"}')).toBe(1);
      return current;
    });

    // Requests per operation name and type, and their durations.
    const op = (name: string, type: string) => `operation_name="${name}",operation_type="${type}"`;
    expect(sample(text, `ledgerline_graphql_requests_total{${op("Balance", "query")}}`)).toBe(3);
    expect(sample(text, `ledgerline_graphql_requests_total{${op("Deposit", "mutation")}}`)).toBe(1);
    expect(sample(text, `ledgerline_graphql_requests_total{${op("Replay", "mutation")}}`)).toBe(1);
    expect(sample(text, `ledgerline_graphql_request_duration_seconds_count{${op("Balance", "query")}}`)).toBe(
      3,
    );
    expect(
      sample(text, `ledgerline_graphql_request_duration_seconds_bucket{le="+Inf",${op("Balance", "query")}}`),
    ).toBe(3);
    expect(
      sample(text, `ledgerline_graphql_request_duration_seconds_sum{${op("Deposit", "mutation")}}`),
    ).toBeGreaterThan(0);
    // Errors by the code the client saw, and the phase.
    expect(
      sample(
        text,
        `ledgerline_graphql_errors_total{${op("Replay", "mutation")},phase="execute",code="FORBIDDEN"}`,
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        `ledgerline_graphql_errors_total{operation_name="anonymous",operation_type="unknown",phase="parse",code="GRAPHQL_PARSE_FAILED"}`,
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        `ledgerline_graphql_errors_total{${op("Wrong", "query")},phase="validate",code="GRAPHQL_VALIDATION_FAILED"}`,
      ),
    ).toBe(1);
    expect(text).not.toMatch(/^ledgerline_graphql_errors_total\{[^}]*operation_name="Deposit"/m);
    // Commands by outcome: the refused withdrawal under its code.
    expect(sample(text, 'ledgerline_commands_total{command="DepositMoney",outcome="ok"}')).toBe(1);
    expect(
      sample(text, 'ledgerline_commands_total{command="WithdrawMoney",outcome="INSUFFICIENT_FUNDS"}'),
    ).toBe(1);
    expect(sample(text, 'ledgerline_command_duration_seconds_count{command="OpenAccount"}')).toBe(1);
    // Projectors (from their reports in Redis), the event store's pool, Redis, the process.
    expect(sample(text, 'ledgerline_projector_status{projector="accounts",status="live"}')).toBe(1);
    expect(sample(text, 'ledgerline_projector_status{projector="accounts",status="stalled"}')).toBe(0);
    expect(sample(text, 'ledgerline_projector_lag_seconds{projector="accounts"}')).toBe(0);
    expect(sample(text, 'ledgerline_projector_parked_events{projector="accounts"}')).toBe(0);
    expect(text).toMatch(/^ledgerline_projector_lag_events\{projector="balance-history"\} \d+$/m);
    expect(sample(text, "ledgerline_eventstore_pool_max_connections")).toBe(10);
    expect(sample(text, "ledgerline_eventstore_pool_connections")).toBeGreaterThanOrEqual(1);
    expect(sample(text, "ledgerline_eventstore_pool_waiting_requests")).toBe(0);
    for (const connection of ["projectors", "gateway_reads", "gateway_notices"]) {
      expect(sample(text, `ledgerline_redis_connected{connection="${connection}"}`), connection).toBe(1);
      expect(
        sample(text, `ledgerline_redis_commands_in_flight{connection="${connection}"}`),
      ).toBeGreaterThanOrEqual(0);
    }
    expect(sample(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    // Jobs by state, from the queue: the snapshot sweep's schedule keeps one delayed.
    for (const state of ["waiting", "active", "delayed", "completed", "failed"]) {
      expect(sample(text, `ledgerline_jobs{state="${state}"}`), state).toBeGreaterThanOrEqual(0);
    }
    expect(sample(text, 'ledgerline_jobs{state="delayed"}')).toBeGreaterThanOrEqual(1);
  });

  it("counts a limit's refusal under the code the client sees, not as a plain validation failure", async () => {
    const admin = await t.token("admin", "ops");
    // Deeper than the default depth limit (10): refused during validation with its own code.
    const deep = `query Deep { ${'atPosition(position: "0:0") { '.repeat(12)}__typename ${"} ".repeat(12)}}`;
    const refused = await post(deep, admin);
    expect(refused.data).toBeUndefined();
    const codes = refused.errors?.map((e) => e.extensions?.code);
    expect(codes?.[0]).toBe("DEPTH_LIMIT");
    const text = await scrape();
    expect(
      sample(
        text,
        `ledgerline_graphql_errors_total{operation_name="Deep",operation_type="query",phase="validate",code="DEPTH_LIMIT"}`,
      ),
    ).toBe(1);
    expect(text).not.toMatch(
      /^ledgerline_graphql_errors_total\{operation_name="Deep"[^}]*GRAPHQL_VALIDATION_FAILED/m,
    );
  });

  it("labels an operation by the one executed: the operation chosen by name, not the document's first definition", async () => {
    const admin = await t.token("admin", "ops");
    const opened = await post(
      `query First { __typename } mutation Chosen { openAccount(input: { ownerId: "mia", currency: "USD", accountId: "mx-chosen" }) { __typename } }`,
      admin,
      undefined,
      "Chosen",
    );
    expect(opened.errors).toBeUndefined();
    expect(opened.data?.openAccount?.__typename).toBe("AccountChange");
    // A document that starts with a fragment: the operation is the query after it.
    const read = await post(
      `fragment Typename on Query { __typename } query AfterFragment { ...Typename }`,
      admin,
    );
    expect(read.errors).toBeUndefined();
    const text = await scrape();
    const op = (name: string, type: string) => `operation_name="${name}",operation_type="${type}"`;
    expect(sample(text, `ledgerline_graphql_requests_total{${op("Chosen", "mutation")}}`)).toBe(1);
    expect(
      sample(text, `ledgerline_graphql_request_duration_seconds_count{${op("Chosen", "mutation")}}`),
    ).toBe(1);
    expect(text).not.toMatch(
      /^ledgerline_graphql_\w+\{[^}]*operation_name="(Chosen|First)",operation_type="query"/m,
    );
    expect(sample(text, `ledgerline_graphql_requests_total{${op("AfterFragment", "query")}}`)).toBe(1);
    expect(text).not.toMatch(/^ledgerline_graphql_\w+\{[^}]*operation_name="Typename"/m);
  });

  it("counts a command refused while its input is checked, under the code the mutation answers", async () => {
    const admin = await t.token("admin", "ops");
    const open = await post(
      `mutation { openAccount(input: { ownerId: "mia", currency: "USD", accountId: "mx-input" }) { __typename } }`,
      admin,
    );
    expect(open.data?.openAccount?.__typename).toBe("AccountChange");
    const before = sample(
      await scrape(),
      'ledgerline_command_duration_seconds_count{command="DepositMoney"}',
    );
    // Refused before the command runtime loads anything: an amount of zero, a key too long.
    const zero = await post(
      `mutation { deposit(input: { accountId: "mx-input", amount: { amount: "0", currency: "USD" } }) { __typename ... on Error { code } } }`,
      admin,
    );
    expect(zero.data?.deposit).toEqual({ __typename: "ValidationError", code: "VALIDATION_ERROR" });
    const longKey = await post(
      `mutation($key: String) { withdraw(input: { accountId: "mx-input", amount: { amount: "1.00", currency: "USD" }, idempotencyKey: $key }) { __typename } }`,
      admin,
      { key: "k".repeat(201) },
    );
    expect(longKey.data?.withdraw?.__typename).toBe("ValidationError");
    const text = await scrape();
    expect(sample(text, 'ledgerline_commands_total{command="DepositMoney",outcome="VALIDATION_ERROR"}')).toBe(
      1,
    );
    expect(
      sample(text, 'ledgerline_commands_total{command="WithdrawMoney",outcome="VALIDATION_ERROR"}'),
    ).toBe(1);
    // Nothing was loaded or appended: no time from load to append to observe.
    expect(sample(text, 'ledgerline_command_duration_seconds_count{command="DepositMoney"}')).toBe(before);
  });

  it("counts the live views open, and lets go of a quiet view's channel as soon as its clients leave", async () => {
    const admin = await t.token("admin", "ops");
    const opened = await post(
      `mutation { openAccount(input: { accountId: "m-live", ownerId: "m-owner", currency: "USD" }) { __typename } }`,
      admin,
    );
    expect(opened.errors).toBeUndefined();
    await projectionsCaughtUp(t);
    const counts = async () => {
      const text = await scrape();
      return {
        open: sample(text, "ledgerline_live_views_open"),
        channels: sample(text, "ledgerline_live_channels"),
      };
    };
    // The gateway itself listens for generation switches (one listener, one channel).
    const before = await counts();
    expect(before.open).toBeGreaterThanOrEqual(1);
    const watch = `subscription { accountUpdated(id: "m-live") { position } }`;
    const viaSse = await subscribeSse(t.url, watch, {}, { token: admin });
    const viaWs = await subscribeWs(t.url, watch, {}, { token: admin });
    await viaSse.waitFor(1);
    await viaWs.waitFor(1);
    expect(await counts()).toEqual({ open: before.open! + 2, channels: before.channels! + 1 });
    // No change comes to the account: the view must still stop listening when its clients leave.
    await viaSse.close();
    await viaWs.close();
    await eventually(async () => expect(await counts()).toEqual(before));
    // A subscription refused before its stream is served (no answer in a media type the client
    // accepts) never starts listening.
    for (let i = 0; i < 3; i++) {
      const refused = await fetch(t.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${admin}`,
        },
        body: JSON.stringify({ query: watch }),
      });
      expect(refused.status).toBe(406);
      await refused.body?.cancel();
    }
    expect(await counts()).toEqual(before);
  });

  it("names metrics after Prometheus conventions: counters end in _total, times are in seconds, labels are snake_case", async () => {
    const text = await scrape();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({
      name: name!,
      type: type!,
    }));
    const ours = types.filter((m) => m.name.startsWith("ledgerline_"));
    expect(ours.length).toBeGreaterThanOrEqual(15);
    for (const { name, type } of types) {
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
      if (type === "counter") expect(name, name).toMatch(/_total$/);
      expect(name, name).not.toMatch(/_(ms|milliseconds|minutes|hours)$|_(ms|milliseconds)_/);
    }
    for (const { name, type } of ours) {
      if (type !== "counter") expect(name, name).not.toMatch(/_total$/);
      if (type === "histogram") expect(name, name).toMatch(/_seconds$/);
    }
    for (const [, labels] of text.matchAll(/^ledgerline_\w+\{([^}]*)\}/gm)) {
      for (const [, label] of labels!.matchAll(/(\w+)="/g)) expect(label).toMatch(/^[a-z][a-z0-9_]*$|^le$/);
    }
  });

  it("keeps tracing off and free without an OTLP endpoint: no SDK registered, the API's no-ops, no trace in events", async () => {
    const globals = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[
      Symbol.for("opentelemetry.js.api.1")
    ];
    expect(globals?.trace).toBeUndefined();
    expect(trace.getTracer("probe").startSpan("probe").isRecording()).toBe(false);
    const events = await t.service.store.readStream(accountStreamId("mx-1"));
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.metadata.traceparent).toBeUndefined();
  });
});
