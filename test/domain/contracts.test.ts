import { describe, expect, it } from "vitest";
import { accountAggregate } from "../../commands/aggregates/account";
import { checkEvent, contractOf, eventCatalogue, readEvent } from "../../domain/event-catalogue";
import { EventContractViolation, fieldName, schemaIdOf } from "../../domain/shared/contracts";
import { UnreadableEvent } from "../../domain/shared/upcasting";

/**
 * The contracts as the domain states them: the check an event must pass before it is stored, and
 * the reading of stored events into today's shape (with the store: test/contracts/).
 */

const deposit = {
  accountId: "a-1",
  amount: 1250,
  currency: "USD",
  balanceAfter: 1250,
  depositedAt: "2026-03-01T10:00:00.000Z",
};

function refusal(streamId: string, event: { type: string; schemaVersion: number; data: unknown }) {
  try {
    checkEvent(streamId, event);
  } catch (error) {
    expect(error).toBeInstanceOf(EventContractViolation);
    return error as EventContractViolation;
  }
  throw new Error("the event was accepted");
}

describe("the check at the door", () => {
  it("accepts every example of every version in its own stream and names the schema it fits", () => {
    for (const contract of eventCatalogue) {
      for (const version of contract.versions) {
        for (const data of version.examples) {
          const streamId = `${contract.streamPrefix}${String(data[contract.idField])}`;
          expect(checkEvent(streamId, { type: contract.type, schemaVersion: version.version, data })).toBe(
            `urn:ledgerline:event:${contract.type}:v${version.version}`,
          );
        }
      }
    }
  });

  it("refuses a field of the wrong type, naming it", () => {
    const error = refusal("account-a-1", {
      type: "MoneyDeposited",
      schemaVersion: 1,
      data: { ...deposit, amount: "12.50" },
    });
    expect(error.field).toBe("amount");
    expect(error.code).toBe("EVENT_CONTRACT_VIOLATION");
    expect(error.message).toBe(
      'MoneyDeposited v1 refused for stream account-a-1: amount must be integer ≥ 1, got "12.50". Nothing was appended.',
    );
  });

  it.each([
    ["a fraction of a minor unit", { amount: 12.5 }, "amount", "must be integer ≥ 1, got 12.5"],
    ["a negative balance", { balanceAfter: -1 }, "balanceAfter", "must be integer ≥ 0, got -1"],
    [
      "an amount beyond what JSON and Redis hold exactly",
      { amount: 2 ** 60 },
      "amount",
      "must be at most 9007199254740991",
    ],
    ["a currency that is no ISO code", { currency: "usd" }, "currency", "must be currency code"],
    [
      "an instant that is not ISO-8601",
      { depositedAt: "yesterday" },
      "depositedAt",
      "must be ISO-8601 instant",
    ],
    ["a missing field", { balanceAfter: undefined }, "balanceAfter", "is required but missing"],
    ["a field no version has", { note: "hi" }, "note", "is not a field of this event"],
  ])("refuses %s", (_, change, field, problem) => {
    const data = JSON.parse(JSON.stringify({ ...deposit, ...change }));
    const error = refusal("account-a-1", { type: "MoneyDeposited", schemaVersion: 1, data });
    expect(error.field).toBe(field);
    expect(error.message).toContain(`${field} ${problem}`);
  });

  it("names a nested field the way inputs are named (lines[1].quantity)", () => {
    const [placed] = contractOf("OrderPlaced")!.versions[1]!.examples;
    const lines = (placed!.lines as object[]).map((line, index) =>
      index === 1 ? { ...line, quantity: 0 } : line,
    );
    const error = refusal("order-o-1001", {
      type: "OrderPlaced",
      schemaVersion: 2,
      data: { ...placed, lines },
    });
    expect(error.field).toBe("lines[1].quantity");
    expect(fieldName("/shippingAddress/region")).toBe("shippingAddress.region");
  });

  it("refuses a code outside its list", () => {
    const [denied] = contractOf("RefundDenied")!.versions[0]!.examples;
    const error = refusal("order-o-1001", {
      type: "RefundDenied",
      schemaVersion: 1,
      data: { ...denied, reason: "too_late" },
    });
    expect(error.message).toContain(
      `reason must be "not_delivered" | "refund_window_passed", got "too_late"`,
    );
  });

  it("refuses an event with no published schema, a version never published, another aggregate's event, a stream of no aggregate", () => {
    expect(refusal("account-a-1", { type: "AccountFrozen", schemaVersion: 1, data: {} })).toMatchObject({
      field: "type",
      message: expect.stringContaining('"AccountFrozen" has no published schema for account streams'),
    });
    expect(refusal("account-a-1", { type: "MoneyDeposited", schemaVersion: 2, data: deposit })).toMatchObject(
      {
        field: "schemaVersion",
        message: expect.stringContaining("2 is not a published version of MoneyDeposited (1 to 1)"),
      },
    );
    expect(refusal("order-a-1", { type: "MoneyDeposited", schemaVersion: 1, data: deposit }).field).toBe(
      "type",
    );
    expect(refusal("ledger-a-1", { type: "MoneyDeposited", schemaVersion: 1, data: deposit }).field).toBe(
      "streamId",
    );
  });

  it("refuses an event whose data names another entity than its stream", () => {
    const error = refusal("account-a-2", { type: "MoneyDeposited", schemaVersion: 1, data: deposit });
    expect(error.field).toBe("accountId");
    expect(error.message).toContain('accountId is "a-1", but the stream is account-a-2');
  });
});

describe("reading a stored event", () => {
  const stored = (type: string, data: unknown, schemaVersion: number, streamId = "order-o-1001") => ({
    streamId,
    type,
    data,
    schemaVersion,
    metadata: {} as Record<string, unknown>,
  });

  it("lifts an old version to today's, keeping the rest of the envelope", () => {
    const [v1] = contractOf("OrderPlaced")!.versions[0]!.examples;
    const read = readEvent({ ...stored("OrderPlaced", v1, 1), revision: 7 });
    expect(read).toMatchObject({ streamId: "order-o-1001", revision: 7, schemaVersion: 2 });
    expect(read.data).toMatchObject({
      region: "UNKNOWN",
      itemCount: 5,
      shippingAddress: { city: "San Francisco" },
    });
  });

  it("passes today's events as they are, and events of streams no aggregate owns", () => {
    const today = stored("MoneyDeposited", deposit, 1, "account-a-1");
    expect(readEvent(today)).toBe(today);
    const other = stored("StoreCreated", { storeId: "x" }, 1, "ledgerline-store-identity");
    expect(readEvent(other)).toBe(other);
  });

  it.each([
    [
      "a version newer than this code",
      stored("MoneyDeposited", deposit, 2, "account-a-1"),
      "versions 1 to 1",
    ],
    ["version 0", stored("OrderPlaced", {}, 0), "versions 1 to 2"],
    ["an unknown type", stored("AccountFrozen", {}, 1, "account-a-1"), "unknown event type"],
    [
      "another aggregate's event",
      stored("MoneyDeposited", deposit, 1, "order-a-1"),
      "not an event of order streams",
    ],
    [
      "an envelope naming another schema",
      {
        ...stored("MoneyDeposited", deposit, 1, "account-a-1"),
        metadata: { schemaId: schemaIdOf("MoneyDeposited", 2) },
      },
      "its envelope names schema urn:ledgerline:event:MoneyDeposited:v2",
    ],
  ])("refuses %s rather than misread it", (_, event, reason) => {
    expect(() => readEvent(event)).toThrow(UnreadableEvent);
    expect(() => readEvent(event)).toThrow(reason);
  });

  it("the account aggregate refuses a version it cannot read instead of folding it as today's", () => {
    const recorded = {
      id: "00000000-0000-4000-8000-000000000001",
      streamId: "account-a-1",
      revision: 0,
      position: { commit: 1n, prepare: 1n },
      type: "MoneyDeposited",
      data: deposit,
      metadata: {},
      schemaVersion: 2,
      recordedAt: new Date(),
    };
    expect(() => accountAggregate.fromStored(recorded)).toThrow(UnreadableEvent);
    expect(accountAggregate.fromStored({ ...recorded, schemaVersion: 1 })).toEqual({
      type: "MoneyDeposited",
      data: deposit,
    });
  });
});
