import { ConfigError, loadConfig } from "./config";
import { createLog } from "./log";
import { RedisUnavailable } from "./redis";
import { startService } from "./services";

/** `npm start`: one process, role from ROLE (default all). SIGTERM / SIGINT stop it cleanly. */
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
  // Signals are heard from the start: one that arrives while the service is still starting (its
  // projectors starting one by one) stops it as soon as it has started, within the grace period,
  // rather than killing it half-way.
  const starting = startService(config, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping: finishing the batch in hand");
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
    if (error instanceof RedisUnavailable) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  log.info({ role: config.role, eventStore: redact(config.eventStoreUrl) }, "ledgerline started");
  if (service.url) {
    console.log(`\n  GraphQL endpoint and GraphiQL: ${service.url}\n`);
  }
}

/** Never log a password from a connection URL. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, "//$1:***@");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
