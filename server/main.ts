import { ConfigError, loadConfig } from "./config";
import { createLog } from "./log";

/**
 * `npm start`: one process, role from ROLE (default all). SIGTERM / SIGINT stop it cleanly.
 * The first line is logged before the bulk of the code loads, so a start is never silent.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLog(config.logLevel);
  log.info({ role: config.role, eventStore: redact(config.eventStoreUrl) }, "starting");
  if (config.role === "all" || config.role === "gateway") {
    // A port in use (a second `npm start`, say) ends the start here, before anything is started,
    // created or written.
    const { addressTaken } = await import("./listen-failed");
    const taken = await addressTaken(config.host, config.port);
    if (taken) {
      console.error(taken.message);
      process.exit(1);
    }
  }
  // A first start's embedded database is created on another thread while the rest loads.
  const { createEmbeddedStoreEarly } = await import("./embedded-store");
  const embeddedStore = createEmbeddedStoreEarly(config.eventStoreUrl);
  if (embeddedStore)
    log.info({}, "creating the embedded event store (PGlite; first start only, a few seconds)");
  const { RedisUnavailable } = await import("./redis");
  const { ListenFailed } = await import("./listen-failed");
  const { startService } = await import("./services");

  // Signals are handled from here on: a Ctrl-C during the start waits for the start in hand (an
  // embedded store half created is worse than a few seconds), then stops like any other.
  const starting = startService(config, log, { embeddedStore });
  let started = false;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(
      { signal },
      started ? "stopping: finishing the batch in hand" : "stopping once the start in hand is done",
    );
    // Whatever the process is waiting on (a Redis or a store that does not answer), it ends
    // within its grace period: nothing unacked is lost, the next owner gets it redelivered.
    const grace = setTimeout(() => {
      log.error(
        { signal, graceMs: config.shutdownGraceMs },
        "did not stop within the grace period; exiting now",
      );
      process.exit(1);
    }, config.shutdownGraceMs);
    grace.unref();
    const service = await starting.catch(() => null);
    // A start that failed ends the process on its own path (its error, exit code 1).
    if (!service) return;
    await service.stop();
    log.info({ signal }, "stopped cleanly");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  let service;
  try {
    service = await starting;
  } catch (error) {
    // What an operator can fix (a Redis not reachable, a port in use): one line, no stack. The
    // start has closed what it had opened by then.
    if (error instanceof RedisUnavailable || error instanceof ListenFailed || isEmbeddedStoreInUse(error)) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  started = true;
  if (stopping) return;
  log.info({ role: config.role, eventStore: redact(config.eventStoreUrl) }, "ledgerline started");
  if (service.url) {
    // GraphiQL is named only where it is served (GRAPHIQL; off by default in production).
    console.log(`\n  GraphQL endpoint${config.graphiql ? " and GraphiQL" : ""}: ${service.url}`);
    console.log(`  Dashboard: ${new URL("/", service.url).toString()}\n`);
  }
}

/** The embedded store is open in another process (told by its code: the adapter loads lazily). */
function isEmbeddedStoreInUse(error: unknown): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === "EMBEDDED_STORE_IN_USE";
}

/** Never log a password from a connection URL. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, "//$1:***@");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
