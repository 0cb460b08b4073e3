import { withContracts, type EventContracts } from "./contracts";
import { KURRENTDB_SCHEMES } from "./kurrentdb/connection";
import type { EventStore } from "./port";
import { migrate } from "./postgres/migrations";
import { PgClient } from "./postgres/pg-client";
import { PgliteClient } from "./postgres/pglite-client";
import type { SqlClient } from "./postgres/sql";
import { assertSchemaName } from "./postgres/sql";
import { PostgresEventStore } from "./postgres/store";

export interface OpenEventStoreOptions {
  /** PostgreSQL schema holding the store's tables; created if missing. */
  readonly schema?: string;
  /**
   * The published event contracts: when given, every append is checked against them first and a
   * misfit is refused with nothing stored (contracts.ts). The service always opens its store so.
   */
  readonly contracts?: EventContracts;
}

const ACCEPTED =
  "postgres://… or postgresql://… (PostgreSQL server), pglite://<directory> (embedded, persisted), memory:// (embedded, in memory), kurrentdb://host:2113?tls=false or esdb://… (KurrentDB / EventStoreDB)";

export class UnsupportedEventStoreUrl extends Error {
  readonly code = "UNSUPPORTED_EVENT_STORE_URL";
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`Cannot open event store "${redact(url)}": ${reason}. Accepted: ${ACCEPTED}`);
    this.name = "UnsupportedEventStoreUrl";
  }
}

/**
 * Opens the store a URL names and brings its schema up to date:
 * `postgres://` / `postgresql://` → PostgreSQL server; `pglite://<dir>` → embedded PGlite persisted
 * in <dir> (created if missing); `memory://` → embedded PGlite in memory;
 * `kurrentdb://` / `esdb://` (and their `+discover` forms) → KurrentDB, which has no schema to
 * migrate and connects on first use (an unreachable server answers EventStoreUnavailable then).
 * With `contracts`, the store refuses events that do not fit them (see contracts.ts).
 */
export async function openEventStore(url: string, options: OpenEventStoreOptions = {}): Promise<EventStore> {
  const store = await openAdapter(url, options);
  return options.contracts ? withContracts(store, options.contracts) : store;
}

async function openAdapter(url: string, options: OpenEventStoreOptions): Promise<EventStore> {
  if (isKurrentDbUrl(url)) return openKurrentDb(url);
  const schema = assertSchemaName(options.schema ?? "eventstore");
  const sql = await connect(url, schema);
  try {
    await migrate(sql, schema);
  } catch (error) {
    await sql.close().catch(() => {});
    throw error;
  }
  return new PostgresEventStore(sql, schema);
}

/** True when the URL selects the KurrentDB adapter. */
export function isKurrentDbUrl(url: string): boolean {
  return (KURRENTDB_SCHEMES as readonly string[]).includes(schemeOf(url) ?? "");
}

/** Loaded on demand: the client (gRPC and a native read bridge) is not loaded by SQL deployments. */
async function openKurrentDb(url: string): Promise<EventStore> {
  const { KurrentDbEventStore } = await import("./kurrentdb/store");
  try {
    return KurrentDbEventStore.fromUrl(url);
  } catch {
    // The client's parse error quotes the URL, password included: say what is wrong without it.
    throw new UnsupportedEventStoreUrl(url, "not a valid KurrentDB connection string");
  }
}

/** True when the URL selects a PostgreSQL server (a pool of connections, not embedded PGlite). */
export function isPostgresServerUrl(url: string): boolean {
  const scheme = schemeOf(url);
  return scheme === "postgres" || scheme === "postgresql";
}

function schemeOf(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
}

async function connect(url: string, schema: string): Promise<SqlClient> {
  const scheme = schemeOf(url);
  switch (scheme) {
    case "postgres":
    case "postgresql":
      return new PgClient({ connectionString: url, schema });
    case "pglite": {
      const dataDir = url.slice("pglite://".length);
      if (!dataDir) throw new UnsupportedEventStoreUrl(url, "pglite:// needs a directory");
      return PgliteClient.open(schema, dataDir);
    }
    case "memory":
      return PgliteClient.open(schema);
    default:
      throw new UnsupportedEventStoreUrl(url, scheme ? `unknown scheme ${scheme}://` : "not a URL");
  }
}

/** Error messages must not carry a password. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
