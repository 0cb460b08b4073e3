import { accountStreamId } from "../../domain/banking/state";
import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { deposited } from "../lib/events";
import { depositBody, openAccounts } from "../lib/graphql";
import { row } from "../lib/report";
import { saturate } from "../lib/saturate";
import { ratios, summarize } from "../lib/stats";

/**
 * 3. Writes at a fixed concurrency: deposits through the GraphQL mutation (the whole command path:
 * HTTP, yoga, load the stream, decide, append with expected revision; the projector running as
 * under `npm start`), and single-event appends through `store.appendToStream` alone (expected
 * revision check, one round trip), against plain autocommit INSERTs of the same rows into a plain
 * table in the same PostgreSQL, with the same driver (pg) and pool size.
 *
 * 3c is the same mutation on a gateway with no projector anywhere (`ROLE=gateway`, nothing reading
 * the log): what the command path costs alone, and so the most `npm start`'s process could reach
 * on this machine if projecting cost nothing.
 */
export const writeThroughput: Figure = {
  id: "3",
  title: "commands/s and appends/s vs plain INSERTs",
  async run(context) {
    const { load, driver, env } = context;
    const { concurrency } = load.writes;

    const service = await env.service("w3");
    const { url, authorization } = service;
    const accounts = Array.from({ length: load.writes.accounts }, (_, i) => `bench-w${i}`);
    await openAccounts(url, authorization, accounts);
    const deposits = accounts.map((id) => depositBody(id, "1.00"));
    const gatewayOnly = await env.service("w3g", { ROLE: "gateway" });
    await openAccounts(gatewayOnly.url, gatewayOnly.authorization, accounts);
    const serviceDb = env.pool(null, 1);
    const depositsIn = async (schema: string) =>
      Number(
        (
          await serviceDb.query<{ n: string }>(
            `SELECT count(*) AS n FROM ${schema}.events WHERE type = 'MoneyDeposited'`,
          )
        ).rows[0]!.n,
      );

    const { store, schema } = await env.store("w3s");
    const db = env.pool(null, 10);
    await db.query(`CREATE TABLE ${schema}.plain_events (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL,
      stream_id text NOT NULL,
      revision bigint NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      schema_version int NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`);
    const insertRevisions = new Array<number>(concurrency).fill(0);
    const appendRevisions = new Array<number>(concurrency).fill(-1);
    let mismatch = 0;
    let errors = 0;

    const samples = await inRounds(context, async (_, warmup) => {
      const seconds = warmup ? load.writes.seconds / 2 : load.writes.seconds;
      const insert = await saturate(concurrency, seconds, async (worker) => {
        const event = deposited(`plain-${worker}`, 100, 100);
        const revision = insertRevisions[worker]!;
        insertRevisions[worker] = revision + 1;
        await db.query(
          `INSERT INTO ${schema}.plain_events (id, stream_id, revision, type, data, metadata, schema_version)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            event.id,
            `account-plain-${worker}`,
            revision,
            event.type,
            JSON.stringify(event.data),
            JSON.stringify(event.metadata),
            1,
          ],
        );
      });
      const append = await saturate(concurrency, seconds, async (worker) => {
        const expected = appendRevisions[worker]!;
        const result = await store.appendToStream(
          accountStreamId(`store-${worker}`),
          [deposited(`store-${worker}`, 100, 100)],
          { expectedRevision: expected < 0 ? "no_stream" : expected },
        );
        appendRevisions[worker] = result.nextRevision;
      });
      // Deposits per second through one service's mutation, counted twice: as 2xx answers and as
      // events appended.
      const depositsPerSecond = async (to: { url: string; authorization: string; schema: string }) => {
        const before = await depositsIn(to.schema);
        const mutation = await driver.run({
          kind: "closed-loop",
          authorization: to.authorization,
          url: to.url,
          connections: concurrency,
          seconds,
          bodies: deposits,
        });
        const appended = (await depositsIn(to.schema)) - before;
        // Requests still in flight when autocannon stops may append without being counted (≤ one
        // per connection); fewer appends than 2xx answers would mean answers that were errors.
        if (appended < mutation.completed || appended - mutation.completed > concurrency) mismatch++;
        errors += mutation.errors;
        return Math.min(appended, mutation.completed) / mutation.seconds;
      };
      const mutation = await depositsPerSecond(service);
      const alone = await depositsPerSecond(gatewayOnly);
      errors += insert.errors + append.errors;
      return {
        "INSERT rows/s": insert.perSecond,
        "append events/s": append.perSecond,
        "mutation commands/s": mutation,
        "gateway-only commands/s": alone,
      };
    });
    const notes = [
      `${concurrency} concurrent writers, ${load.writes.seconds} s per measurement, one event per append / row per INSERT`,
      `mutations spread over ${accounts.length} accounts (streams stay short: no snapshots yet)`,
      ...(errors > 0 ? [`${errors} failed operations`] : []),
      ...(mismatch > 0
        ? [`${mismatch} rounds where 2xx answers ≠ deposits appended (value counts the smaller)`]
        : []),
    ];
    const inserts = summarize(samples["INSERT rows/s"]);
    return [
      row({
        id: "3a",
        value: {
          label: "store.appendToStream",
          unit: "events/s",
          summary: summarize(samples["append events/s"]),
        },
        baseline: { label: "plain INSERT", unit: "rows/s", summary: inserts },
        ratio: summarize(ratios(samples["append events/s"], samples["INSERT rows/s"])),
        target: { text: "≥ 0.8×", on: "ratio", op: ">=", bound: 0.8 },
        notes,
      }),
      row({
        id: "3b",
        value: {
          label: "deposit mutation",
          unit: "cmd/s",
          summary: summarize(samples["mutation commands/s"]),
        },
        baseline: { label: "plain INSERT", unit: "rows/s", summary: inserts },
        ratio: summarize(ratios(samples["mutation commands/s"], samples["INSERT rows/s"])),
        target: { text: "≥ 0.3×", on: "ratio", op: ">=", bound: 0.3 },
        notes,
      }),
      row({
        id: "3c",
        value: {
          label: "deposit mutation, no projector (ROLE=gateway)",
          unit: "cmd/s",
          summary: summarize(samples["gateway-only commands/s"]),
        },
        baseline: { label: "plain INSERT", unit: "rows/s", summary: inserts },
        ratio: summarize(ratios(samples["gateway-only commands/s"], samples["INSERT rows/s"])),
        target: null,
        notes,
      }),
    ];
  },
};
