import { afterAll, beforeAll, describe, it } from "vitest";
import {
  kurrentDbLimits,
  storeFactories,
  type StoreFactory,
  type TestEventStore,
} from "../support/eventstores";
import { createKurrentDbTarget, kurrentDbTarget } from "../support/kurrentdb";
import { consumerGroupConformance } from "./conformance/consumer-groups";
import { eventLogConformance } from "./conformance/event-log";
import { snapshotConformance } from "./conformance/snapshots";

/**
 * One suite, run against every EventStore adapter, in three parts: the EventLog port
 * (conformance/event-log.ts), the ConsumerGroups port (conformance/consumer-groups.ts) and the
 * SnapshotStore port (conformance/snapshots.ts). Each
 * adapter gets one fresh store (its own schema on PostgreSQL) for the whole suite; tests keep
 * apart by using their own streams and groups.
 * Tests that need two transactions open at once are PostgreSQL-only (postgres-*.test.ts): PGlite
 * is a single connection, so one transaction can never wait on another there.
 */
describe.each(storeFactories)("EventStore conformance on $name", conformance);

// KurrentDB runs against a server: KURRENTDB_URL's, or a container testcontainers starts where a
// Docker engine answers. Without either the run shows as skipped, with the reason in its title
// (a failure with KURRENTDB_REQUIRED=true, as CI jobs that provide a server set it).
const kurrentDb = await kurrentDbTarget();
const kurrentDbFactory: StoreFactory = {
  name: "KurrentDB",
  create: () => createKurrentDbTarget(kurrentDb),
  limits: kurrentDbLimits,
  createTimeoutMs: kurrentDb.kind === "container" ? 180_000 : undefined,
};
if (kurrentDb.kind === "url") {
  describe(`EventStore conformance on KurrentDB (${kurrentDb.url})`, () => conformance(kurrentDbFactory));
} else if (kurrentDb.kind === "container") {
  describe(`EventStore conformance on KurrentDB (${kurrentDb.image}, started by testcontainers)`, () =>
    conformance(kurrentDbFactory));
} else if (process.env.KURRENTDB_REQUIRED === "true") {
  describe("EventStore conformance on KurrentDB", () => {
    it("has a KurrentDB server (KURRENTDB_REQUIRED=true)", () => {
      throw new Error(`no KurrentDB to run against: ${kurrentDb.reason}`);
    });
  });
} else {
  describe.skip(`EventStore conformance on KurrentDB (skipped: ${kurrentDb.reason})`, () =>
    conformance(kurrentDbFactory));
}

function conformance(factory: StoreFactory): void {
  let handle: TestEventStore | undefined;
  const current = (): TestEventStore => {
    if (!handle) throw new Error(`the ${factory.name} test store did not open`);
    return handle;
  };
  beforeAll(async () => {
    handle = await factory.create();
  }, factory.createTimeoutMs);
  afterAll(async () => {
    await handle?.close();
  });

  describe("EventLog", () => eventLogConformance(() => current().store, factory.limits));
  describe("ConsumerGroups", () => consumerGroupConformance(current, factory.limits));
  describe("SnapshotStore", () => snapshotConformance(() => current().store));
}
