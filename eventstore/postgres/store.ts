import { ComposedEventStore } from "../composed-store";
import type { PoolStats } from "../port";
import { PostgresConsumerGroups } from "./consumer-groups";
import { PostgresEventLog } from "./log";
import { PostgresSnapshots } from "./snapshots";
import { appendChannel, assertSchemaName, type SqlClient } from "./sql";

/**
 * The EventStore port over PostgreSQL, written once against SqlClient so the same SQL runs on a
 * PostgreSQL server (node-postgres) and on embedded PGlite. The schema must exist (migrations.ts).
 * The log (log.ts) and the consumer groups (consumer-groups.ts) share the connections, which this
 * store owns and closes.
 */
export class PostgresEventStore extends ComposedEventStore<PostgresEventLog> {
  constructor(
    private readonly sql: SqlClient,
    readonly schema: string,
  ) {
    const channel = appendChannel(assertSchemaName(schema));
    const log = new PostgresEventLog(sql, channel);
    super(
      log,
      new PostgresConsumerGroups(sql, channel, () => log.headPosition()),
      new PostgresSnapshots(sql),
    );
  }

  poolStats(): PoolStats | null {
    return this.sql.poolStats?.() ?? null;
  }

  /** Lets the append notice in flight go out, then closes the connections. */
  protected async disconnect(): Promise<void> {
    await this.log.close();
    await this.sql.close();
  }
}
