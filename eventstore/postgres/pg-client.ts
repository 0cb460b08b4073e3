import pg from "pg";
import { EventStoreUnavailable, type PoolStats } from "../port";
import {
  assertSchemaName,
  type PreparedStatement,
  type SqlClient,
  type SqlExecutor,
  type SqlRow,
} from "./sql";

export interface PgClientOptions {
  readonly connectionString: string;
  readonly schema: string;
  readonly maxConnections?: number;
  /** Shown in pg_stat_activity; tests use it to see when a store's query waits on a lock. */
  readonly applicationName?: string;
}

const RECONNECT_DELAY_MS = 1_000;

/** node-postgres behind the SqlClient interface; connection failures become EventStoreUnavailable. */
export class PgClient implements SqlClient {
  private readonly config: pg.ClientConfig;
  private readonly pool: pg.Pool;
  private readonly listeners = new Set<ChannelListener>();
  /** The connection NOTIFYs go out on, opened on first use and again after it fails. */
  private notifier: Promise<pg.Client> | null = null;
  private closed = false;

  constructor(options: PgClientOptions) {
    this.config = {
      connectionString: options.connectionString,
      // Every connection, pooled or listening, resolves the store's tables in its own schema.
      options: `-c search_path=${assertSchemaName(options.schema)}`,
      application_name: options.applicationName ?? "eventstore",
      connectionTimeoutMillis: 5_000,
    };
    this.pool = new pg.Pool({ ...this.config, max: options.maxConnections ?? 10 });
    // An idle pooled connection that drops (server restart) must not crash the process; the next
    // query gets a fresh connection or an EventStoreUnavailable.
    this.pool.on("error", () => {});
  }

  async query<Row extends SqlRow = SqlRow>(
    statement: string | PreparedStatement,
    params?: readonly unknown[],
  ): Promise<Row[]> {
    try {
      const result = await this.pool.query<Row>(queryConfig(statement, params));
      return result.rows;
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asUnavailable(error);
    }
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const tx: SqlExecutor = {
        query: async <Row extends SqlRow>(
          statement: string | PreparedStatement,
          params?: readonly unknown[],
        ) => (await client.query<Row>(queryConfig(statement, params))).rows,
      };
      const result = await fn(tx);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw asUnavailable(error);
    } finally {
      // A connection whose rollback failed is not returned to the pool.
      client.release(broken);
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const listener = new ChannelListener(this.config, channel, onNotify);
    this.listeners.add(listener);
    await listener.start();
    return async () => {
      this.listeners.delete(listener);
      await listener.stop();
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    if (this.closed) return;
    const client = await (this.notifier ??= this.openNotifier());
    try {
      await client.query("SELECT pg_notify($1, $2)", [channel, payload]);
    } catch (error) {
      this.dropNotifier(client);
      throw asUnavailable(error);
    }
  }

  private async openNotifier(): Promise<pg.Client> {
    const client = new pg.Client({
      ...this.config,
      // A NOTIFY's transaction writes nothing worth a WAL flush (notices are not kept across a
      // crash anyway), yet each one waited for its commit record's fsync: a flush per notice,
      // beside the appends' own. Asynchronous commit drops that wait; delivery is unchanged.
      options: `${this.config.options} -c synchronous_commit=off`,
      application_name: `${this.config.application_name}-notify`,
    });
    client.on("error", () => this.dropNotifier(client));
    try {
      await client.connect();
      return client;
    } catch (error) {
      this.notifier = null;
      throw asUnavailable(error);
    }
  }

  private dropNotifier(client: pg.Client): void {
    void this.notifier
      ?.then((current) => {
        if (current === client) this.notifier = null;
      })
      .catch(() => {});
    client.end().catch(() => {});
  }

  poolStats(): PoolStats {
    const { totalCount, idleCount, waitingCount, options } = this.pool;
    return { total: totalCount, idle: idleCount, waiting: waitingCount, max: options.max ?? 10 };
  }

  async close(): Promise<void> {
    this.closed = true;
    const notifier = this.notifier;
    this.notifier = null;
    await notifier?.then((client) => client.end()).catch(() => {});
    await Promise.all([...this.listeners].map((listener) => listener.stop()));
    this.listeners.clear();
    await this.pool.end();
  }
}

function queryConfig(statement: string | PreparedStatement, params?: readonly unknown[]): pg.QueryConfig {
  const values = params as unknown[] | undefined;
  return typeof statement === "string"
    ? { text: statement, values }
    : { name: statement.name, text: statement.text, values };
}

/**
 * One dedicated connection LISTENing on a channel. It reconnects after a failure and then calls
 * `onNotify` once, with "everything", since notifications sent while it was away are lost.
 */
/** A notice payload that matches every subscriber. */
const everything = "*";

class ChannelListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly onNotify: (payload: string) => void,
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.config);
    client.on("notification", (message) => {
      if (message.channel === this.channel) this.onNotify(message.payload ?? everything);
    });
    client.on("error", () => this.reconnectLater(client));
    client.on("end", () => this.reconnectLater(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch {
      this.reconnectLater(client);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private reconnectLater(failed: pg.Client): void {
    if (this.stopped || this.client !== failed) return;
    this.client = null;
    failed.end().catch(() => {});
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start().then(() => this.onNotify(everything));
    }, RECONNECT_DELAY_MS);
    this.retry.unref();
  }
}

const UNAVAILABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** SQLSTATEs meaning the server cannot serve us now (connection exception class, shutdown, overload). */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith("08") || ["57P01", "57P02", "57P03", "53300"].includes(code);
}

function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_SOCKET_CODES.has(code) || isUnavailableSqlState(code))) {
    return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isConnectionFailure);
  return /Connection terminated|timeout exceeded when trying to connect|Connection refused/i.test(
    error.message,
  );
}

function asUnavailable(error: unknown): unknown {
  return isConnectionFailure(error) ? new EventStoreUnavailable(error) : error;
}
