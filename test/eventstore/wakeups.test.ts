import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../eventstore/postgres/migrations";
import { PgClient } from "../../eventstore/postgres/pg-client";
import { AppendAnnouncer, AppendWakeups, noticeConcerns } from "../../eventstore/postgres/wakeups";
import { testDatabaseUrl, uniqueSchema, withRawClient } from "../support/eventstores";

/**
 * A cost that must not grow with the number of views: an append wakes only the subscribers whose
 * filter takes the stream it grew (through real PostgreSQL LISTEN / NOTIFY), the others sleep on.
 * A burst too large to list, or a reconnect, wakes everyone (a missed wake-up would cost an idle
 * wait, never an event).
 */

const schema = uniqueSchema("wake");
const channel = `wake_${schema}`;
let sql: PgClient;

beforeAll(async () => {
  sql = new PgClient({ connectionString: testDatabaseUrl, schema, applicationName: schema });
  await migrate(sql, schema);
});
afterAll(async () => {
  await sql?.close();
  await withRawClient(schema, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
});

const accounts = { streamPrefixes: ["account-"] };
const orders = { streamPrefixes: ["order-"] };

describe("append notices", () => {
  it("say which streams grew, and concern only the filters that take one of them", () => {
    expect(noticeConcerns("account-a1", accounts)).toBe(true);
    expect(noticeConcerns("account-a1", orders)).toBe(false);
    expect(noticeConcerns("product-p\norder-o1", orders)).toBe(true);
    expect(noticeConcerns("*", orders)).toBe(true);
    expect(noticeConcerns("account-a1", undefined)).toBe(true);
    expect(noticeConcerns("account-a1", { eventTypes: ["OrderPlaced"] })).toBe(true);
  });

  it("wake the subscribers an append concerns and let the others sleep", async () => {
    const wakeups = new AppendWakeups(sql, channel);
    await wakeups.start();
    const announcer = new AppendAnnouncer(sql, channel);
    try {
      const seen = wakeups.seen;
      const woke: string[] = [];
      const sleep = (name: string, filter?: { streamPrefixes: string[] }) => {
        const wait = wakeups.wait(seen, 30_000, filter);
        void wait.done.then(() => woke.push(name));
        return wait;
      };
      const accountGroup = sleep("accounts", accounts);
      const orderGroup = sleep("orders", orders);
      const everyEvent = sleep("unfiltered");

      announcer.announce("account-a1");
      await Promise.all([accountGroup.done, everyEvent.done]);
      await announcer.flush();
      expect(wakeups.seen).toBe(seen + 1);
      expect(woke.sort()).toEqual(["accounts", "unfiltered"]);

      // A subscriber that was reading the log when the notice came is not woken by it either.
      const late = wakeups.wait(seen, 30_000, orders);
      let lateWoke = false;
      void late.done.then(() => (lateWoke = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lateWoke).toBe(false);

      announcer.announce("order-o1");
      await Promise.all([orderGroup.done, late.done]);
      expect(woke).toContain("orders");

      // A burst of more streams than a notice lists wakes everyone.
      const beforeBurst = wakeups.seen;
      const idle = wakeups.wait(beforeBurst, 30_000, { streamPrefixes: ["nobody-"] });
      for (let i = 0; i < 100; i++) announcer.announce(`account-burst-${i}`);
      await idle.done;
    } finally {
      await announcer.flush();
      await wakeups.close();
    }
  });
});
