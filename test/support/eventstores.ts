import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../../eventstore/postgres/migrations";
import { PgClient } from "../../eventstore/postgres/pg-client";
import { PgliteClient } from "../../eventstore/postgres/pglite-client";
import type { EventStore, PersistentSubscription } from "../../eventstore/port";
import { PostgresEventStore } from "../../eventstore/postgres/store";
import type { PostgresPersistentSubscription } from "../../eventstore/postgres/subscription";

/** PostgreSQL the suites run against (trust auth on the CI box). */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestEventStore {
  readonly store: EventStore;
  /** The store's own schema: fresh for every call, so parallel test files never meet. */
  readonly schema: string;
  /** Makes a subscription behave like a process that died holding its group (lease left to expire). */
  simulateCrash(subscription: PersistentSubscription): void;
  /** Closes the store; on PostgreSQL also drops its schema. */
  close(): Promise<void>;
}

/**
 * Guarantees PostgreSQL gives beyond what the port promises, which a store may lack; the
 * conformance suite checks them only where they hold.
 * - `per-event-commit`: each event of an append gets its own commit position (KurrentDB).
 * - `no-global-id-index`: an event id is only known within its stream (KurrentDB).
 * - `repeat-needs-original-revision`: a repeated append is recognised at the revision it was first
 *   sent with, not at the stream's current one (KurrentDB).
 * - `filter-narrows-only`: an existing group's filter cannot select more than the one it was
 *   created with; such a change is refused (KurrentDB filters on the server and cannot change that).
 */
export type StoreLimit =
  "per-event-commit" | "no-global-id-index" | "repeat-needs-original-revision" | "filter-narrows-only";

export interface StoreFactory {
  readonly name: string;
  readonly create: () => Promise<TestEventStore>;
  readonly limits?: readonly StoreLimit[];
  /** How long `create` may take (a container to start); the hook timeout otherwise. */
  readonly createTimeoutMs?: number;
}

export function uniqueSchema(prefix = "es_test"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/**
 * A store on the test PostgreSQL in a fresh schema. The schema name doubles as the pool's
 * application_name, so a test can find the store's sessions in pg_stat_activity.
 */
export async function createPostgresTestStore(): Promise<TestEventStore> {
  const schema = uniqueSchema();
  const sql = new PgClient({ connectionString: testDatabaseUrl, schema, applicationName: schema });
  await migrate(sql, schema);
  const store = new PostgresEventStore(sql, schema);
  return {
    store,
    schema,
    simulateCrash,
    close: async () => {
      await store.close();
      await withRawClient(schema, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}

/** A store on a fresh in-memory PGlite. */
export async function createPgliteTestStore(): Promise<TestEventStore> {
  const schema = "eventstore";
  const sql = await PgliteClient.open(schema);
  await migrate(sql, schema);
  const store = new PostgresEventStore(sql, schema);
  return { store, schema, simulateCrash, close: () => store.close() };
}

function simulateCrash(subscription: PersistentSubscription): void {
  (subscription as PostgresPersistentSubscription).simulateCrash();
}

/** What KurrentDB does not give (see StoreLimit); its server comes from test/support/kurrentdb.ts. */
export const kurrentDbLimits: readonly StoreLimit[] = [
  "per-event-commit",
  "no-global-id-index",
  "repeat-needs-original-revision",
  "filter-narrows-only",
];

/** The stores every run has; KurrentDB joins them where a server is at hand (conformance.test.ts). */
export const storeFactories: readonly StoreFactory[] = [
  { name: "PostgreSQL", create: createPostgresTestStore },
  { name: "PGlite", create: createPgliteTestStore },
];

/** A plain node-postgres connection on a test schema, for tests that hold transactions open. */
export async function connectRaw(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

export async function withRawClient<T>(schema: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectRaw(schema);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
