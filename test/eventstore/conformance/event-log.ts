import { describe, expect, it } from "vitest";
import type { EventLog } from "../../../eventstore/port";
import type { StoreLimit } from "../../support/eventstores";
import { appendConformance } from "./event-log-appends";
import { readConformance } from "./event-log-reads";

/** The EventLog port: appends (with idempotency records), stream reads, the global log, health. */
export function eventLogConformance(log: () => EventLog, limits: readonly StoreLimit[] = []): void {
  describe("appends", () => appendConformance(log, limits));
  describe("reads", () => readConformance(log, limits));
  describe("health", () => {
    it("answers ping", async () => {
      await expect(log().ping()).resolves.toBeUndefined();
    });
  });
}
