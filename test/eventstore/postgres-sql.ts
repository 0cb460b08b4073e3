import type pg from "pg";
import type { EventToAppend, ExpectedRevision, IdempotencyRecord } from "../../eventstore/port";
import { appendQuery } from "../../eventstore/postgres/append";
import { testDatabaseUrl } from "../support/eventstores";

/**
 * Appends with the store's own statement on a raw connection, so a test can keep the transaction
 * open (BEGIN first) while the store carries on.
 */
export async function appendOnConnection(
  client: pg.Client,
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision = "any",
  idempotency?: IdempotencyRecord,
): Promise<void> {
  const { statement, params } = appendQuery(streamId, events, expected, idempotency);
  await client.query(statement.text, params);
}

/** True once a session of the store (application_name = its schema) waits on a lock. */
export async function storeWaitsOnLock(client: pg.Client, schema: string): Promise<boolean> {
  const { rows } = await client.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_stat_activity
     WHERE application_name = $1 AND wait_event_type = 'Lock'`,
    [schema],
  );
  return rows[0]!.waiting > 0;
}

/** The test database's URL, but on a port where nothing listens: connections are refused at once. */
export function refusedDatabaseUrl(): string {
  const url = new URL(testDatabaseUrl);
  url.hostname = "127.0.0.1";
  url.port = "1";
  return url.toString();
}
