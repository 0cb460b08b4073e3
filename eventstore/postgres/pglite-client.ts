import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { assertSchemaName, type SqlClient, type SqlExecutor, type SqlRow } from "./sql";

/**
 * Embedded PGlite behind the SqlClient interface. PGlite is one connection: statements of two
 * callers would otherwise interleave inside one another's transaction, so every statement and every
 * transaction takes the same async mutex. (PGlite 0.5 also queues internally; the mutex keeps the
 * guarantee ours rather than an implementation detail.)
 */
export class PgliteClient implements SqlClient {
  private readonly mutex = new AsyncMutex();

  private constructor(private readonly db: PGlite) {}

  /** `dataDir` persists the database in that directory (created if missing); omit it for memory. */
  static async open(schema: string, dataDir?: string): Promise<PgliteClient> {
    if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir);
    await db.exec(`SET search_path TO ${assertSchemaName(schema)}`);
    return new PgliteClient(db);
  }

  query<Row extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.mutex.run(() => this.run<Row>(text, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      await this.db.exec("BEGIN");
      try {
        const result = await fn({ query: (text, params) => this.run(text, params) });
        await this.db.exec("COMMIT");
        return result;
      } catch (error) {
        await this.db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  /** The append function's pg_notify reaches these callbacks in-process. */
  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.mutex.run(() => this.db.listen(channel, (payload) => onNotify(payload)));
    return () => this.mutex.run(() => unlisten());
  }

  async close(): Promise<void> {
    await this.mutex.run(() => this.db.close());
  }

  private async run<Row extends SqlRow>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    const result = await this.db.query<Row>(text, params as unknown[] | undefined);
    return result.rows;
  }
}

/** First come, first served; a failed holder does not block the next. */
class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
