import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";

/**
 * The first start on an embedded store (pglite://<dir>, the default) creates the database: PGlite
 * runs initdb, a few seconds of CPU on the thread that calls it. Started here, in a worker thread,
 * before the rest of the service loads, it runs on the other core while the main thread loads the
 * code and starts Redis; the store then opens the created directory like on any later start.
 *
 * Returns null when there is nothing to create (another store, or the directory exists).
 */
export function createEmbeddedStoreEarly(eventStoreUrl: string): Promise<void> | null {
  if (!eventStoreUrl.startsWith("pglite://")) return null;
  const dir = eventStoreUrl.slice("pglite://".length);
  if (!dir || existsSync(dir)) return null;
  const pglite = import.meta.resolve("@electric-sql/pglite");
  // Plain JavaScript, no TypeScript loader: the worker only creates the directory and closes it.
  const code = `
    const { workerData } = require("node:worker_threads");
    require("node:fs").mkdirSync(workerData.dir, { recursive: true });
    (async () => {
      const { PGlite } = await import(workerData.pglite);
      const db = await PGlite.create(workerData.dir);
      await db.close();
    })().catch((error) => { process.exitCode = 1; throw error; });
  `;
  const created = new Promise<void>((resolve, reject) => {
    const worker = new Worker(code, { eval: true, execArgv: [], workerData: { pglite, dir } });
    worker.once("error", reject);
    worker.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`creating the embedded store in ${dir} failed (${code})`)),
    );
  });
  // Awaited by the service's start; until then a failure must not count as unhandled.
  created.catch(() => undefined);
  return created;
}
