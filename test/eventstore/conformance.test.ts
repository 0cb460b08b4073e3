import { afterAll, beforeAll, describe } from "vitest";
import {
  kurrentDbFactory,
  storeFactories,
  type StoreFactory,
  type TestEventStore,
} from "../support/eventstores";
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

// KurrentDB runs only against a server (KURRENTDB_URL); without one its run shows as skipped.
if (!storeFactories.some((factory) => factory.name === "KurrentDB")) {
  describe.skip("EventStore conformance on KurrentDB (skipped: KURRENTDB_URL not set)", () =>
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
  });
  afterAll(async () => {
    await handle?.close();
  });

  describe("EventLog", () => eventLogConformance(() => current().store, factory.limits));
  describe("ConsumerGroups", () => consumerGroupConformance(current, factory.limits));
  describe("SnapshotStore", () => snapshotConformance(() => current().store));
}
