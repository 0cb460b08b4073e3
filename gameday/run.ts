import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { mintToken } from "../server/auth/tokens";
import { integerOption, parseCommandLine, runCommand, UsageError } from "../server/cli/args";
import { loadConfig } from "../server/config";
import { seeded } from "./lib/random";
import { audit, type AuditResult } from "./audit";
import { projectorsBehind } from "./lib/rebuild";
import { faultKinds, inject, planFaults, type FaultKind, type FaultRecord } from "./faults";
import { Clients, Ledger, pause, Subscriber, Workload, type Refusal } from "./load";
import { printReport, type GamedayReport } from "./report";
import { Topology } from "./topology";

const usage = `Usage:
  npm run gameday [-- --quick] [--minutes N] [--rate N] [--faults a,b] [--store-url URL] [--seed N]

  --quick          a short game day (about 75 s): every kind of fault once or a few times
  --minutes N      how long the load and the faults run (default 10)
  --seconds N      the same in seconds, for short trials
  --rate N         mutations per second through the API (default 90)
  --faults a,b     which faults (default all): ${faultKinds.join(", ")}
  --store-url URL  the PostgreSQL the event store lives in (a schema of its own, removed at the end);
                   default postgres://postgres@127.0.0.1:5432/postgres
  --seed N         the load's random seed (default 1)
  --out DIR        where the report goes (default gameday/results)
  --plant-fault    testing the audit: change a view behind the projectors' back before auditing
                   (the run must then fail, naming that key)
  --help           this text

Starts the real topology as separate processes (two gateways, a projector process per partition,
a worker, a private Redis with an append-only file, TCP proxies in front of Redis and the store),
drives a mixed load through the public GraphQL API with live subscribers, breaks the system on a
schedule printed first (SIGKILLs, a gateway kill, partitions, Redis restarted empty, a store that
hangs, a brand-new view built from the whole log), then audits: every view against a clean
rebuild, every balance against the acknowledged movements, every subscriber's pushes against the
account's history. It cleans up every process, schema and key it made, also on Ctrl-C, and sends
traffic to 127.0.0.1 only. The embedded store (PGlite) holds one process's connection, so the
multi-process game day runs on PostgreSQL.
Exit codes: 0 the audit found nothing, 1 it found a difference (or the run failed), 2 wrong arguments.`;

interface Settings {
  readonly seconds: number;
  readonly rate: number;
  readonly faults: readonly FaultKind[];
  readonly storeUrl: string;
  readonly seed: number;
  readonly out: string;
  readonly quick: boolean;
  /** Testing the audit: change a view behind the projectors' back before auditing. */
  readonly plantFault: boolean;
}

function settings(argv: readonly string[]): Settings | null {
  const parsed = parseCommandLine(argv, {
    quick: { type: "boolean" },
    minutes: { type: "string" },
    seconds: { type: "string" },
    rate: { type: "string" },
    faults: { type: "string" },
    "store-url": { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    "plant-fault": { type: "boolean" },
  });
  if (parsed === null) return null;
  const v = parsed.values;
  if ([v.quick, v.minutes, v.seconds].filter(Boolean).length > 1) {
    throw new UsageError("--quick, --minutes and --seconds exclude each other");
  }
  const faults = (v.faults ?? faultKinds.join(",")).split(",").map((f) => f.trim());
  for (const fault of faults) {
    if (!(faultKinds as readonly string[]).includes(fault)) {
      throw new UsageError(`--faults: no fault "${fault}"; the faults are ${faultKinds.join(", ")}`);
    }
  }
  return {
    seconds: v.quick
      ? 75
      : v.seconds
        ? integerOption("seconds", v.seconds, 60, 5)
        : integerOption("minutes", v.minutes, 10) * 60,
    rate: integerOption("rate", v.rate, v.quick ? 60 : 90),
    faults: faults as FaultKind[],
    storeUrl:
      v["store-url"] ?? process.env.GAMEDAY_STORE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    seed: integerOption("seed", v.seed, 1, 0),
    out: resolve(v.out ?? "gameday/results"),
    quick: v.quick ?? false,
    plantFault: v["plant-fault"] ?? false,
  };
}

interface ProjectionMeta {
  projector: string;
  status: string;
  lagEvents: number;
  lagMs: number;
}

async function main(argv: readonly string[]): Promise<number> {
  const s = settings(argv);
  if (s === null) {
    console.log(usage);
    return 0;
  }
  const partitions = 2;
  const plan = planFaults({
    seconds: s.seconds,
    faults: s.faults,
    partitions,
    // A kill every ten seconds or so, at least 55 in a long run; a worker kill every minute.
    projectorKills:
      s.seconds >= 300 ? Math.max(55, Math.round(s.seconds / 10)) : Math.max(2, Math.round(s.seconds / 10)),
    workerKills: Math.max(1, Math.round(s.seconds / 60)),
  });
  console.log(`Game day: ${s.seconds} s at ${s.rate} mutations/s; the schedule:`);
  for (const fault of plan)
    console.log(`  ${fault.atSeconds.toFixed(1).padStart(6)} s  ${fault.kind.padEnd(15)} ${fault.target}`);

  const logFile = join(tmpdir(), `ledgerline-gameday-${Date.now()}.log`);
  const topology = await Topology.start({ storeUrl: s.storeUrl, partitions, logFile });
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    console.log("\nInterrupted: stopping every process and removing what the game day made…");
    void topology.stop().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    console.log(
      `Topology up: ${topology.nodes.map((n) => n.name).join(", ")}; private Redis on ${topology.redis.port}; schema ${topology.schema}; log ${logFile}`,
    );
    const auth = loadConfig({ JWT_SECRET: topology.secret, EVENT_STORE_URL: s.storeUrl }).auth;
    const token = await mintToken(auth, { sub: "gameday", role: "admin", ttlSeconds: 24 * 3600 });
    const gateways = () => topology.gateways.map((g) => g.url!);
    const ledger = new Ledger();
    const clients = new Clients(gateways, token, ledger);
    const random = seeded(s.seed);
    const workload = new Workload(clients, s.quick ? 12 : 40, random);
    await workload.setUp();
    const subscribers = workload.accounts
      .slice(0, 6)
      .map((id, index) => new Subscriber(id, gateways, token, index));
    for (const subscriber of subscribers) subscriber.start();

    const started = Date.now();
    const ends = started + s.seconds * 1000;
    const records: FaultRecord[] = [];
    let longestLag = { events: 0, ms: 0, projector: "" };
    // The lag in time as the gateways report it (the events behind are measured directly, below).
    const readProjections = async () => {
      const read = await clients.query<{ projections: { lagMs: number }[] }>(`{ projections { lagMs } }`);
      for (const p of read.projections)
        if (p.lagMs > longestLag.ms) longestLag = { ...longestLag, ms: p.lagMs };
    };
    // Each view's lag, sampled every 250 ms straight from the store and Redis (the gateways'
    // reports live in Redis, which a fault may have emptied): the status shows the latest sample,
    // and every fault's heal is judged on the samples taken after it ended.
    // `begun`: when the sample was started (a heal counts samples started after the fault ended);
    // `at`: when it was read.
    let lag: { begun: number; at: number; behind: Record<string, number> | null } = {
      begun: 0,
      at: 0,
      behind: null,
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling && !interrupted) {
        const begun = Date.now();
        const behind = await projectorsBehind(topology.store, topology.client, topology.prefix, {
          partitions,
        }).catch(() => null);
        lag = { begun, at: Date.now(), behind };
        for (const [projector, events] of Object.entries(behind ?? {})) {
          if (events > longestLag.events) longestLag = { ...longestLag, events, projector };
        }
        await pause(250);
      }
    })();
    // Healed: every view moving again and less than about a second of writes behind the log.
    const healed = async (record: FaultRecord) => {
      const budget = Date.now() + 180_000;
      const threshold = Math.max(50, s.rate * 2);
      while (Date.now() < budget && !interrupted) {
        const { begun, at, behind } = lag;
        if (begun >= record.endedAt && behind && Object.values(behind).every((n) => n <= threshold)) {
          record.healedAt = at;
          return;
        }
        await pause(250);
      }
    };
    const rebuildJobs: string[] = [];
    const startRebuild = async (view: string) => {
      const read = await clients.query<{ rebuildProjection: { id: string } }>(
        `mutation($view: String!) { rebuildProjection(view: $view) { id } }`,
        { view },
      );
      rebuildJobs.push(read.rebuildProjection.id);
    };

    // The load: a steady rate of mutations, a few in flight at once.
    let inFlight = 0;
    const load = (async () => {
      const gap = 1000 / s.rate;
      let next = Date.now();
      const running = new Set<Promise<void>>();
      while (Date.now() < ends && !interrupted) {
        if (inFlight < 32) {
          inFlight++;
          const step = workload.step().finally(() => {
            inFlight--;
            running.delete(step);
          });
          running.add(step);
        }
        next += gap;
        await pause(Math.max(0, next - Date.now()));
      }
      await Promise.all(running);
    })();

    // The faults, each at its time; healing is watched beside the next ones.
    const heals: Promise<void>[] = [];
    const faults = (async () => {
      for (const fault of plan) {
        await pause(Math.max(0, started + fault.atSeconds * 1000 - Date.now()));
        if (interrupted) return;
        const record: FaultRecord = { ...fault, startedAt: Date.now(), endedAt: 0, healedAt: null };
        records.push(record);
        await inject(
          topology,
          fault,
          { partitionMs: 5_000, stallMs: 4_000, gatewayDownMs: 5_000 },
          startRebuild,
        ).catch((error: unknown) => {
          console.log(`  fault ${fault.kind} failed to inject: ${(error as Error).message}`);
        });
        record.endedAt = Date.now();
        heals.push(
          fault.kind === "new-view" ? rebuildDone(clients, rebuildJobs.at(-1), record) : healed(record),
        );
      }
    })();

    // The live status, every two seconds: writes, faults so far, each view's lag (events behind
    // the log), the last heal.
    const status = setInterval(() => {
      void readProjections().catch(() => undefined);
      const t = Math.round((Date.now() - started) / 1000);
      const rate = Math.round(ledger.acknowledged / Math.max(1, (Date.now() - started) / 1000));
      const behind = Object.entries(lag.behind ?? {})
        .map(([projector, events]) => `${projector} ${events}`)
        .join(", ");
      const lastHeal = records.filter((r) => r.healedAt).at(-1);
      const heal = lastHeal
        ? `${lastHeal.kind} healed in ${((lastHeal.healedAt! - lastHeal.endedAt) / 1000).toFixed(1)} s`
        : "";
      console.log(
        `[${String(t).padStart(4)} s] writes ${ledger.acknowledged} (${rate}/s), faults ${records.length}/${plan.length}; lag: ${behind}; ${heal}`,
      );
    }, 2_000);

    await Promise.all([load, faults]);
    await Promise.all(heals);
    clearInterval(status);
    sampling = false;
    await sampler;
    if (interrupted) return 130;
    const loadSeconds = (Date.now() - started) / 1000;
    console.log("Load and faults done; waiting for every view to catch up, then auditing…");
    await waitLive(clients, 180_000);
    if (s.plantFault) {
      // A change behind the projectors' back: the audit must find it.
      await topology.client.hset(`${topology.prefix}account:${workload.accounts[1]}`, "balance", "123456789");
    }
    const result: AuditResult = await audit(topology, clients, ledger, workload.accounts, subscribers);
    for (const subscriber of subscribers) await subscriber.close();
    const events = await topology.store.countAfter(null);
    const report: GamedayReport = {
      startedAt: new Date(started).toISOString(),
      command: `npm run gameday -- ${argv.join(" ")}`.trim(),
      seconds: Math.round(loadSeconds),
      rate: s.rate,
      partitions,
      events,
      acknowledged: ledger.acknowledged,
      ruled: ledger.ruled,
      unanswered: ledger.unanswered,
      refusals: classifyRefusals(ledger, records),
      faults: records,
      longestLag,
      reconnects: subscribers.reduce((n, sub) => n + sub.reconnects, 0),
      audit: result,
      passed: false,
    };
    report.passed =
      result.differences.length === 0 &&
      report.refusals.otherwise === 0 &&
      report.unanswered === 0 &&
      records.every((r) => r.healedAt !== null);
    await mkdir(s.out, { recursive: true });
    const file = join(s.out, `${report.startedAt.replace(/[:.]/g, "-")}.json`);
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    printReport(report);
    console.log(`Report: ${file}`);
    return report.passed ? 0 : 1;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await topology.stop();
  }
}

/** The new view's rebuild job finished: the view was built from the whole log while the rest stayed live. */
async function rebuildDone(clients: Clients, jobId: string | undefined, record: FaultRecord): Promise<void> {
  if (!jobId) return;
  const budget = Date.now() + 300_000;
  while (Date.now() < budget) {
    const read = await clients.query<{ job: { state: string } | null }>(
      `query($id: String!) { job(id: $id) { state } }`,
      { id: jobId },
    );
    if (read.job?.state === "COMPLETED") {
      record.healedAt = Date.now();
      return;
    }
    await pause(500);
  }
}

async function waitLive(clients: Clients, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const read = await clients.query<{ projections: ProjectionMeta[] }>(
      `{ projections { projector status lagEvents lagMs } }`,
    );
    if (read.projections.every((p) => p.status === "LIVE" && p.lagEvents === 0)) return;
    await pause(500);
  }
}

/** Refusals within a fault that touches the write path (and 10 s after it healed) are expected. */
function classifyRefusals(ledger: Ledger, records: readonly FaultRecord[]): GamedayReport["refusals"] {
  const windows = records
    .filter((r) => r.kind === "store-stall" || r.kind === "redis-restart" || r.kind === "kill-gateway")
    .map((r) => [r.startedAt, (r.healedAt ?? r.endedAt) + 10_000] as const);
  let duringFaults = 0;
  const otherwise: Refusal[] = [];
  for (const refusal of ledger.refusals) {
    if (windows.some(([from, to]) => refusal.at >= from && refusal.at <= to)) duringFaults++;
    else otherwise.push(refusal);
  }
  return { duringFaults, otherwise: otherwise.length, unexpected: otherwise.slice(0, 20) };
}

runCommand("gameday", main);
