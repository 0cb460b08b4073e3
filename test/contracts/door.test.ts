import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { accountAggregate } from "../../commands/aggregates/account";
import { CommandRuntime } from "../../commands/runtime";
import { accountDecider } from "../../domain/banking/decider";
import type { AccountEvent } from "../../domain/banking/events";
import { eventContracts } from "../../domain/event-catalogue";
import { EventContractViolation } from "../../domain/shared/contracts";
import { identityStream, storeIdentity } from "../../eventstore/identity";
import { openEventStore } from "../../eventstore/open";
import type { EventStore, EventToAppend } from "../../eventstore/port";
import { startApiService, type ApiClient, type ApiService } from "../api/support/api";
import { mutate } from "../api/support/fixtures";
import { testDatabaseUrl, uniqueSchema, withRawClient } from "../support/eventstores";

/**
 * The check at the door, on the stores themselves: an event that does not fit its published schema
 * is refused before anything is stored, with the field named, on PostgreSQL and on embedded PGlite
 * alike (both opened as the service opens them, with the domain's contracts); and a command whose
 * decider produced such an event answers a typed GraphQL error.
 */

const at = "2026-03-01T10:00:00.000Z";
const opened = (accountId: string): EventToAppend => ({
  id: randomUUID(),
  type: "AccountOpened",
  data: { accountId, ownerId: "pat", currency: "USD", openedAt: at },
});
const deposited = (accountId: string, amount: unknown): EventToAppend => ({
  id: randomUUID(),
  type: "MoneyDeposited",
  data: { accountId, amount, currency: "USD", balanceAfter: 1250, depositedAt: at } as EventToAppend["data"],
});

const stores: { name: string; open: () => Promise<{ store: EventStore; close: () => Promise<void> }> }[] = [
  {
    name: "PostgreSQL",
    open: async () => {
      const schema = uniqueSchema("contracts");
      const store = await openEventStore(testDatabaseUrl, { schema, contracts: eventContracts });
      return {
        store,
        close: async () => {
          await store.close();
          await withRawClient(schema, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
        },
      };
    },
  },
  {
    name: "PGlite (embedded)",
    open: async () => {
      const store = await openEventStore("memory://", { contracts: eventContracts });
      return { store, close: () => store.close() };
    },
  },
];

describe.each(stores)("the $name store opened with the event contracts", ({ open }) => {
  let store: EventStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await open());
  });
  afterAll(() => close?.());

  it("refuses an event with a field of the wrong type, naming the field, and stores nothing of the append", async () => {
    const streamId = "account-wrong-type";
    const refused = store.appendToStream(streamId, [opened("wrong-type"), deposited("wrong-type", "12.50")], {
      expectedRevision: "no_stream",
      idempotency: { key: "k-wrong-type", fingerprint: "f", streamId, answer: {} },
    });
    await expect(refused).rejects.toBeInstanceOf(EventContractViolation);
    await expect(refused).rejects.toMatchObject({
      field: "amount",
      eventType: "MoneyDeposited",
      message: expect.stringContaining('amount must be integer ≥ 1, got "12.50"'),
    });
    expect(await store.readStream(streamId)).toEqual([]);
    expect(await store.readAll({ filter: { streamPrefixes: [streamId] } })).toEqual([]);
    expect(await store.readIdempotencyRecord("k-wrong-type")).toBeNull();
    // The stream is still new: the valid first event was not stored either.
    await store.appendToStream(streamId, [opened("wrong-type")], { expectedRevision: "no_stream" });
  });

  it("stores an event that fits, naming its schema in the envelope", async () => {
    await store.appendToStream("account-fits", [opened("fits"), deposited("fits", 1250)]);
    const events = await store.readStream("account-fits");
    expect(events.map((event) => [event.type, event.schemaVersion, event.metadata.schemaId])).toEqual([
      ["AccountOpened", 1, "urn:ledgerline:event:AccountOpened:v1"],
      ["MoneyDeposited", 1, "urn:ledgerline:event:MoneyDeposited:v1"],
    ]);
  });

  it("refuses an unknown type, a version never published and an event of another aggregate", async () => {
    const head = await store.headPosition();
    await expect(
      store.appendToStream("account-odd", [
        { id: randomUUID(), type: "AccountFrozen", data: { accountId: "odd" } },
      ]),
    ).rejects.toMatchObject({ field: "type" });
    await expect(
      store.appendToStream("account-odd", [{ ...opened("odd"), schemaVersion: 2 }]),
    ).rejects.toMatchObject({ field: "schemaVersion" });
    await expect(store.appendToStream("order-odd", [opened("odd")])).rejects.toMatchObject({ field: "type" });
    expect(await store.headPosition()).toEqual(head);
  });

  it("lets the store's own identity record through (no domain writes it)", async () => {
    const id = await storeIdentity(store);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await store.readStream(identityStream)).length).toBe(1);
  });

  it("refuses what a faulty decider produced, through the command runtime, with nothing appended", async () => {
    const runtime = new CommandRuntime({ store });
    const faulty = {
      ...accountAggregate,
      decider: {
        ...accountDecider,
        decide: (): AccountEvent[] => [
          {
            type: "AccountOpened",
            data: { accountId: "faulty", ownerId: "", currency: "usd", openedAt: at },
          },
        ],
      },
    };
    const now = new Date(at);
    const command = { type: "OpenAccount" as const, accountId: "faulty", ownerId: "", currency: "usd", at };
    await expect(runtime.execute(faulty, "faulty", command, { now })).rejects.toMatchObject({
      name: "EventContractViolation",
      field: "ownerId",
      message: expect.stringMatching(
        /ownerId must be string \(non-empty\), got ""; currency must be currency code/,
      ),
    });
    expect(await store.readStream("account-faulty")).toEqual([]);
  });
});

describe("a mutation whose decider produced an event that does not fit", () => {
  let t: ApiService;
  let carol: ApiClient;
  beforeAll(async () => {
    t = await startApiService();
    carol = await t.as("customer", "carol");
  });
  afterAll(() => t?.stop());

  it("answers the typed EventContractViolation (not an internal error), and nothing is stored", async () => {
    await mutate(carol, "openAccount", { accountId: "c-1", ownerId: "carol", currency: "USD" });
    const decide = vi.spyOn(accountDecider, "decide").mockReturnValueOnce([
      {
        type: "MoneyDeposited",
        data: { accountId: "c-1", amount: 12.5, currency: "USD", balanceAfter: 12.5, depositedAt: at },
      },
    ]);
    try {
      const answer = await carol.gql<{ deposit: Record<string, unknown> }>(
        `mutation { deposit(input: { accountId: "c-1", amount: { amount: "12.50", currency: "USD" } }) {
          __typename ... on Error { code message } ... on EventContractViolation { eventType schemaVersion field } } }`,
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.deposit).toEqual({
        __typename: "EventContractViolation",
        code: "EVENT_CONTRACT_VIOLATION",
        message:
          "MoneyDeposited v1 refused for stream account-c-1: amount must be integer ≥ 1, got 12.5; " +
          "balanceAfter must be integer ≥ 0, got 12.5. Nothing was appended.",
        eventType: "MoneyDeposited",
        schemaVersion: 1,
        field: "amount",
      });
    } finally {
      decide.mockRestore();
    }
    expect((await t.service.store.readStream("account-c-1")).map((event) => event.type)).toEqual([
      "AccountOpened",
    ]);
  });
});
