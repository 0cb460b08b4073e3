import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { mintToken } from "../../server/auth/tokens";
import { loadConfig } from "../../server/config";
import { startService, type RunningService } from "../../server/services";
import { expect } from "vitest";
import { parsePosition } from "../../eventstore/position";
import { silentLog } from "../../projectors/log";
import { allProjectors } from "../../projectors/registry";
import {
  generationKeys,
  partitionNames,
  partitionOf,
  viewKeys,
  type ReadModelKeys,
} from "../../readmodels/keys";
import { partitioned } from "../../projectors/partition";
import type { Projector } from "../../readmodels/view";
import type { RecordedEvent } from "../../eventstore/port";
import { ViewGenerations } from "../../readmodels/generations";
import { deleteKeys, keysOn, targetEnv } from "../../gameday/lib/redis-keys";
import { onCluster, testRedis } from "./redis-target";
import { ServiceProcess } from "../../gameday/lib/service-process";
import { Queue } from "bullmq";
import { processGroup } from "../../jobs/processes/dispatcher";
import { processManagers } from "../../jobs/processes/index";
import { queueNames } from "../../jobs/queues";

export { deleteKeys, dumpKeys, testRedisUrl } from "../../gameday/lib/redis-keys";

export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Every process manager's consumer group has handed over all its events, and no reaction is
 * waiting or running. A service that runs no worker made no group: nothing to wait for.
 */
export async function processesSettled(
  t: Pick<TestService, "service" | "prefix">,
  timeoutMs = 20_000,
): Promise<void> {
  const { store, redis } = t.service;
  const queue = new Queue(queueNames.processes, {
    connection: redis.duplicate(),
    prefix: keysOn(redis, t.prefix).queuePrefix(),
  });
  try {
    await eventually(async () => {
      for (const process of processManagers) {
        const group = await store.getConsumerGroup(processGroup(process.name));
        if (!group) continue;
        const behind = await store.countAfter(group.checkpoint, process.filter);
        expect(behind, `process ${process.name} has events to hand over`).toBe(0);
      }
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      expect(counts, "process reactions still to run").toEqual({
        waiting: 0,
        active: 0,
        delayed: 0,
        prioritized: 0,
      });
    }, timeoutMs);
  } finally {
    await queue.close();
  }
}

export interface TestService {
  readonly service: RunningService;
  readonly url: string;
  readonly prefix: string;
  /** How many partitions its projectors run as (2 on the cluster, else 1). */
  readonly partitions: number;
  /** The key names it uses (with the spread views over its partitions on the cluster). */
  readonly keys: ReadModelKeys;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GqlResponse<T>>;
  /** A token this service accepts, for clients that speak as someone (live views, for example). */
  token(role: "customer" | "staff" | "admin", sub: string): Promise<string>;
  stop(): Promise<void>;
}

export interface GqlResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * The whole service, as `npm start` runs it, on a free port, against real Redis and PostgreSQL:
 * its own PostgreSQL schema and its own Redis key prefix, so test files can run in parallel.
 */
export async function startTestService(env: Record<string, string> = {}): Promise<TestService> {
  // On the cluster, the service's projectors run as two partitions, so every suite there reads
  // views spread over their partitions' slots: this process runs partition 0 beside the gateway
  // and the workers, a projector process partition 1 (a suite that sets ROLE or the partitions
  // itself keeps what it set: PROJECTOR_PARTITIONS=1 for whole projectors in this process).
  const partitioned =
    onCluster() &&
    env.ROLE === undefined &&
    env.PROJECTOR_PARTITION === undefined &&
    env.PROJECTOR_PARTITIONS === undefined;
  // Suites here test other things than throttling (test/api covers it) and retry mutations freely.
  const {
    env: all,
    schema,
    prefix,
  } = testServiceEnv({
    RATE_LIMIT_MUTATIONS: "0",
    ...(partitioned && { PROJECTOR_PARTITION: "0/2" }),
    ...env,
  });
  const config = loadConfig(all);
  const service = await startService(config, silentLog);
  const url = service.url!;
  const partitions = partitioned ? 2 : 1;
  const keys = keysOn(service.redis, prefix, partitions);
  const partnerLog = join(tmpdir(), `ledgerline-partner-${prefix.replace(/\W/g, "-")}log`);
  const partner = partitioned
    ? new ServiceProcess(
        { ...all, ROLE: "projector", PROJECTOR_PARTITION: "1/2", CONSUMER_NAME: `${all.CONSUMER_NAME}-1` },
        partnerLog,
      )
    : null;
  if (partner) {
    partner.start();
    // Ready when every view's partition 1 reports, as this process's partition 0 does. A partner
    // that never does is stopped with the rest, and its log shown (the run's leftover check
    // would otherwise find it).
    const reporting = keys.projectorsReporting();
    try {
      await eventually(async () => {
        const names = Object.keys(await service.redis.hgetall(reporting));
        expect(names.filter((name) => name.endsWith("~1of2")).length).toBe(allProjectors(keys).length);
      }, 60_000);
    } catch (error) {
      await partner.terminate();
      await service.stop();
      await dropTestData(schema, prefix);
      const said = existsSync(partnerLog) ? readFileSync(partnerLog, "utf8").slice(-4_000) : "";
      rmSync(partnerLog, { force: true });
      throw new Error(`partition 1 of the test service did not report: ${String(error)}\n${said}`);
    }
  }
  let stopped = false;
  // `gql` speaks as an operator (admin) so suites about the store or projectors need no auth set-up.
  let operatorToken: Promise<string> | null = null;
  return {
    service,
    url,
    prefix,
    partitions,
    keys,
    token: (role, sub) => mintToken(config.auth, { sub, role }),
    async gql(query, variables) {
      operatorToken ??= mintToken(config.auth, { sub: "test-operator", role: "admin" });
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${await operatorToken}`,
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GqlResponse<never>;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await partner?.terminate();
      rmSync(partnerLog, { force: true });
      await service.stop();
      await dropTestData(schema, prefix);
    },
  };
}

/**
 * The configuration of a service of a test's own: a fresh PostgreSQL schema and Redis key prefix
 * (so test files run in parallel) on the test servers.
 */
export function testServiceConfig(env: Record<string, string> = {}) {
  const { env: all, schema, prefix } = testServiceEnv(env);
  return { config: loadConfig(all), schema, prefix };
}

/**
 * The environment of such a service (for one started as a process too): PostgreSQL schema, Redis
 * prefix and consumer name of its own, `env` on top.
 */
export function testServiceEnv(env: Record<string, string> = {}) {
  const id = randomBytes(6).toString("hex");
  const schema = `t_${id}`;
  const prefix = `test:${id}:`;
  return {
    id,
    schema,
    prefix,
    env: {
      PORT: "0",
      EVENT_STORE_URL: testDatabaseUrl,
      EVENT_STORE_SCHEMA: schema,
      ...targetEnv(testRedis()),
      REDIS_AUTOSTART: "false",
      REDIS_PREFIX: prefix,
      CONSUMER_NAME: `test-${id}`,
      ...env,
    },
  };
}

export async function dropTestData(schema: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
  await deleteKeys(prefix, testRedis());
}

/** Polls until `check` passes or the deadline; the last failure is rethrown. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Waits until every projector has applied every event its filter takes. */
/** Runs a command mutation (`openAccount`, `deposit`, …) and expects it to be taken (a Change). */
export async function mutateOk(t: TestService, name: string, input: Record<string, unknown>): Promise<void> {
  const inputType = `${name[0]!.toUpperCase()}${name.slice(1)}Input`;
  const response = await t.gql<Record<string, { __typename: string }>>(
    `mutation($input: ${inputType}!) { ${name}(input: $input) { __typename ... on Error { message } } }`,
    { input },
  );
  expect(response.errors).toBeUndefined();
  expect(response.data![name]!.__typename, JSON.stringify(response.data)).toBe("Change");
}

export async function projectionsCaughtUp(
  t: Pick<TestService, "service" | "prefix"> & Partial<Pick<TestService, "partitions">>,
  timeoutMs = 20_000,
): Promise<void> {
  const partitions = t.partitions ?? 1;
  const keys = keysOn(t.service.redis, t.prefix, partitions);
  // The process managers first: what they append (stock reserved, released, sold) is what the
  // views then catch up with.
  await processesSettled(t, timeoutMs);
  await eventually(async () => {
    for (const projector of allProjectors(keys)) {
      const live = await new ViewGenerations(t.service.redis, keys).live(projector.name);
      const at = generationKeys(keys, projector.name, live);
      for (const name of partitionNames(projector.name, partitions)) {
        const checkpoint = await t.service.redis.get(at.checkpoint(name));
        const behind = await t.service.store.countAfter(
          checkpoint ? parsePosition(checkpoint) : null,
          projector.filter,
        );
        expect(behind, `${name} is behind`).toBe(0);
      }
    }
  }, timeoutMs);
}

/**
 * The projectors of a test service as its processes run them: each whole, or (on the cluster) each
 * of its partitions, with the checkpoint it keeps and which events of its filter it applies; for
 * suites that deliver the log to them again.
 */
export function projectorsAsRun(t: Pick<TestService, "keys" | "partitions">): {
  readonly projector: Projector;
  readonly checkpoint: string;
  takes(event: RecordedEvent): boolean;
}[] {
  return allProjectors(t.keys).flatMap((whole) =>
    partitionNames(whole.name, t.partitions).map((name, index) => ({
      projector: partitioned(whole, index, t.partitions),
      checkpoint: viewKeys(t.keys, whole.name).checkpoint(name),
      takes: (event: RecordedEvent) =>
        t.partitions === 1 || partitionOf(event.streamId, t.partitions) === index,
    })),
  );
}
