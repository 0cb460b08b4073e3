import { createHash } from "node:crypto";
import type { PoolStats } from "../port";

/**
 * The few things the PostgreSQL store needs from a database, so the store is written once and runs
 * on node-postgres (a pool of server connections) and on PGlite (one embedded connection).
 */

export type SqlRow = Record<string, unknown>;

export interface SqlExecutor {
  query<Row extends SqlRow = SqlRow>(
    statement: string | PreparedStatement,
    params?: readonly unknown[],
  ): Promise<Row[]>;
}

/**
 * A statement the store runs on every command or batch (an append, a stream read, a consumer
 * group's fetch and checkpoint). node-postgres sends it as a named prepared statement, so each
 * server connection parses and analyses it once instead of on every call: measured on the append,
 * that was a third of its time. The name is a hash of the text, so one text is one statement on
 * every connection and two texts can never share a name. PGlite runs the text as it is.
 *
 * Only for texts drawn from a small fixed set (a few filter shapes at most): each one stays
 * prepared on every pooled connection for the connection's life.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const prepared = new Map<string, PreparedStatement>();

export function preparedStatement(text: string): PreparedStatement {
  let statement = prepared.get(text);
  if (!statement) {
    const name = `ledgerline_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    statement = { name, text };
    prepared.set(text, statement);
  }
  return statement;
}

export function statementText(statement: string | PreparedStatement): string {
  return typeof statement === "string" ? statement : statement.text;
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
