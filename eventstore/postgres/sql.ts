import type { PoolStats } from "../port";

/**
 * The few things the PostgreSQL store needs from a database, so the store is written once and runs
 * on node-postgres (a pool of server connections) and on PGlite (one embedded connection).
 */

export type SqlRow = Record<string, unknown>;

export interface SqlExecutor {
  query<Row extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlClient extends SqlExecutor {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` until the returned function is called.
   * PostgreSQL holds a dedicated connection for it; PGlite delivers in-process.
   */
  /** `onNotify` gets each notice's payload ("*" after a reconnect: notices may have been lost). */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Sends a NOTIFY outside the pool (PostgreSQL: on a connection of its own, so announcing an
   * append never waits behind, nor holds up, the queries of commands and projectors).
   */
  notify?(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
  /** Pool occupancy, for a client with a pool (node-postgres). */
  poolStats?(): PoolStats;
}

/** Error fields PostgreSQL sends (node-postgres and PGlite both expose them). */
export interface DatabaseErrorFields {
  readonly code?: string;
  readonly detail?: string;
  readonly constraint?: string;
}

export function databaseError(error: unknown): DatabaseErrorFields | null {
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
    ? (error as DatabaseErrorFields)
    : null;
}

/** A schema name is spliced into DDL and channel names, so only plain identifiers are accepted. */
export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(schema)) {
    throw new Error(`Schema name "${schema}" must be a lower-case identifier of at most 48 characters`);
  }
  return schema;
}

/** NOTIFY channel on which a schema's appends are announced. */
export function appendChannel(schema: string): string {
  return `${schema}_appended`;
}
