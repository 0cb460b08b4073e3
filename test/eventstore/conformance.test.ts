import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  kurrentDbFactory,
  storeFactories,
  type StoreFactory,
  type TestEventStore,
} from "../support/eventstores";
import { appendConformance } from "./conformance/appends";
import { consumerGroupConformance } from "./conformance/consumer-groups";
import { readConformance } from "./conformance/reads";

/**
 * One suite, run against every EventStore adapter. Each adapter gets one fresh store (its own
 * schema on PostgreSQL) for the whole suite; tests keep apart by using their own streams and groups.
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

  const limits = factory.limits ?? [];
  describe("appends", () => appendConformance(() => current().store, limits));
  describe("reads", () => readConformance(() => current().store, limits));
  describe("consumer groups", () => consumerGroupConformance(current));
  describe("health", () => {
    it("answers ping", async () => {
      await expect(current().store.ping()).resolves.toBeUndefined();
    });
  });
}
