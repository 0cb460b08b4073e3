import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { openEventStore } from "../../eventstore/open";
import { EmbeddedStoreInUse } from "../../eventstore/postgres/pglite-client";
import { testDatabaseUrl, uniqueSchema, withRawClient } from "../support/eventstores";
import { events, uniqueStream } from "./helpers";

describe("openEventStore", () => {
  it("memory:// opens an in-memory PGlite store", async () => {
    const store = await openEventStore("memory://");
    try {
      const stream = uniqueStream();
      await store.appendToStream(stream, events(1));
      expect(await store.readStream(stream)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it("pglite://<dir> creates the directory and keeps the events across reopening", async () => {
    const parent = await mkdtemp(join(tmpdir(), "eventstore-"));
    const url = `pglite://${join(parent, "nested", "data")}`;
    try {
      const stream = uniqueStream();
      const first = await openEventStore(url);
      await first.appendToStream(stream, events(2));
      await first.close();

      const reopened = await openEventStore(url);
      try {
        expect(await reopened.readStream(stream)).toHaveLength(2);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it("pglite://<dir> is one process's at a time: another is refused by name, a dead one's lock taken over", async () => {
    const parent = await mkdtemp(join(tmpdir(), "eventstore-"));
    const dir = join(parent, "data");
    const url = `pglite://${dir}`;
    const opener = `
      const { openEventStore } = await import(${JSON.stringify(new URL("../../eventstore/open.ts", import.meta.url).href)});
      await openEventStore(${JSON.stringify(url)});
      console.log("open");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", opener], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("open") && resolve());
        child.once("exit", (code) => reject(new Error(`the other process ended (${code})`)));
      });
      const refused = await openEventStore(url).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(EmbeddedStoreInUse);
      expect((refused as EmbeddedStoreInUse).pid).toBe(child.pid);
      expect((refused as Error).message).toContain(`open in process ${child.pid}`);

      // Killed outright, it could not remove its lock: the next opener finds its process gone.
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      const reopened = await openEventStore(url);
      await reopened.close();
    } finally {
      child.kill("SIGKILL");
      await rm(parent, { recursive: true, force: true });
    }
  }, 60_000);

  it("postgres:// opens a server store in the named schema; opening again (even at once) is safe", async () => {
    const schema = uniqueSchema("es_open");
    try {
      const stores = await Promise.all([
        openEventStore(testDatabaseUrl, { schema }),
        openEventStore(testDatabaseUrl.replace(/^postgres:/, "postgresql:"), { schema }),
      ]);
      const stream = uniqueStream();
      await stores[0]!.appendToStream(stream, events(1));
      expect(await stores[1]!.readStream(stream)).toHaveLength(1);
      await Promise.all(stores.map((store) => store.close()));
      const tables = await withRawClient(schema, async (client) => {
        const { rows } = await client.query<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
          [schema],
        );
        return rows.map((row) => row.name);
      });
      expect(tables).toEqual(["consumer_groups", "events", "idempotency_keys", "parked_events", "snapshots"]);
    } finally {
      await withRawClient(schema, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    }
  });

  it("a store of the earlier format (a row per stream) opens: that table and its function go, appends go on", async () => {
    const schema = uniqueSchema("es_old");
    try {
      const stream = uniqueStream();
      const first = await openEventStore(testDatabaseUrl, { schema });
      await first.appendToStream(stream, events(2));
      await first.close();
      // What an earlier version left: its per-stream table (one revision behind the log, as a
      // half-finished upgrade could leave it) and its append function.
      await withRawClient(schema, async (client) => {
        await client.query(
          `CREATE TABLE ${schema}.streams (stream_id text PRIMARY KEY, revision bigint NOT NULL)`,
        );
        await client.query(`INSERT INTO ${schema}.streams VALUES ($1, 0)`, [stream]);
        await client.query(`CREATE FUNCTION ${schema}.append_events(text, text, uuid[], text[], jsonb[], jsonb[], int[], jsonb)
          RETURNS int LANGUAGE sql AS 'SELECT 1'`);
      });
      const store = await openEventStore(testDatabaseUrl, { schema });
      try {
        expect((await store.appendToStream(stream, events(1), { expectedRevision: 1 })).nextRevision).toBe(2);
        await expect(store.appendToStream(stream, events(1), { expectedRevision: 1 })).rejects.toMatchObject({
          name: "WrongExpectedRevision",
          actual: 2,
        });
      } finally {
        await store.close();
      }
      const left = await withRawClient(schema, async (client) => {
        const { rows } = await client.query<{ name: string }>(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'streams'
           UNION ALL SELECT routine_name FROM information_schema.routines WHERE routine_schema = $1`,
          [schema],
        );
        return rows.map((row) => row.name);
      });
      expect(left).toEqual([]);
    } finally {
      await withRawClient(schema, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    }
  });

  it("names the accepted forms when the URL is not one of them", async () => {
    await expect(openEventStore("mysql://user:secret@localhost/db")).rejects.toThrow(
      /unknown scheme mysql:\/\/.*postgres:\/\/.*pglite:\/\/<directory>.*memory:\/\//,
    );
    await expect(openEventStore("mysql://user:secret@localhost/db")).rejects.not.toThrow(/secret/);
    await expect(openEventStore("just text")).rejects.toMatchObject({ code: "UNSUPPORTED_EVENT_STORE_URL" });
    await expect(openEventStore("memory://", { schema: "Robert'); DROP TABLE--" })).rejects.toThrow(
      /lower-case identifier/,
    );
  });
});
