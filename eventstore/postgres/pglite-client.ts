import { mkdir, open, readFile, rm } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import {
  assertSchemaName,
  statementText,
  type PreparedStatement,
  type SqlClient,
  type SqlExecutor,
  type SqlRow,
} from "./sql";

/**
 * Embedded PGlite behind the SqlClient interface. PGlite is one connection: statements of two
 * callers would otherwise interleave inside one another's transaction, so every statement and every
 * transaction takes the same async mutex. (PGlite 0.5 also queues internally; the mutex keeps the
 * guarantee ours rather than an implementation detail.)
 */
export class PgliteClient implements SqlClient {
  private readonly mutex = new AsyncMutex();

  private constructor(
    private readonly db: PGlite,
    private readonly unlock: () => Promise<void>,
  ) {}

  /**
   * `dataDir` persists the database in that directory (created if missing); omit it for memory.
   * A directory is one process's at a time (PGlite is one database process in ours: a second
   * process writing the same files would corrupt them), so it is refused while another holds it.
   */
  static async open(schema: string, dataDir?: string): Promise<PgliteClient> {
    let unlock = async () => {};
    if (dataDir !== undefined) {
      await mkdir(dataDir, { recursive: true });
      unlock = await lockDirectory(dataDir);
    }
    try {
      const db = await PGlite.create(dataDir);
      await db.exec(`SET search_path TO ${assertSchemaName(schema)}`);
      return new PgliteClient(db, unlock);
    } catch (error) {
      await unlock();
      throw error;
    }
  }

  query<Row extends SqlRow = SqlRow>(
    statement: string | PreparedStatement,
    params?: readonly unknown[],
  ): Promise<Row[]> {
    return this.mutex.run(() => this.run<Row>(statement, params));
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

  /** The store's append notices (pg_notify) reach these callbacks in-process. */
  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.mutex.run(() => this.db.listen(channel, (payload) => onNotify(payload)));
    return () => this.mutex.run(() => unlisten());
  }

  async close(): Promise<void> {
    await this.mutex.run(() => this.db.close());
    await this.unlock();
  }

  private async run<Row extends SqlRow>(
    statement: string | PreparedStatement,
    params?: readonly unknown[],
  ): Promise<Row[]> {
    const result = await this.db.query<Row>(statementText(statement), params as unknown[] | undefined);
    return result.rows;
  }
}

/** The embedded store's directory is open in another process. */
export class EmbeddedStoreInUse extends Error {
  readonly code = "EMBEDDED_STORE_IN_USE";
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the embedded event store in ${dataDir} is open in process ${pid}; stop that process first ` +
        `(or, for several processes on one store, use a PostgreSQL EVENT_STORE_URL)`,
    );
    this.name = "EmbeddedStoreInUse";
  }
}

/**
 * Takes "<dataDir>.lock" (created exclusively, holding this process's id) and returns its release.
 * A lock whose process is gone (killed outright) is taken over; one held by this process is shared.
 */
async function lockDirectory(dataDir: string): Promise<() => Promise<void>> {
  const path = `${dataDir.replace(/[\\/]+$/, "")}.lock`;
  for (;;) {
    try {
      const file = await open(path, "wx");
      await file.writeFile(String(process.pid));
      await file.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
    if (!holder) {
      // Created an instant ago, its id not written yet: read it again before judging it stale.
      await new Promise((resolve) => setTimeout(resolve, 100));
      holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
    }
    if (holder === process.pid) return async () => {};
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder))
      throw new EmbeddedStoreInUse(dataDir, holder);
    await rm(path, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
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
