import { targetEnv, type RedisTarget } from "../../gameday/lib/redis-keys";
import { ServiceProcess } from "../../gameday/lib/service-process";
import { testDatabaseUrl } from "./eventstores";

/**
 * Starts `count` projector processes, partition i of `count` each (PROJECTOR_PARTITION), on the
 * store's schema and the Redis target under `prefix`; returns them (kill each when done).
 */
export function startProjectorPartitions(options: {
  readonly schema: string;
  readonly target: RedisTarget;
  readonly prefix: string;
  readonly count: number;
  /** Names the processes' consumers "<name>-<index>". */
  readonly name: string;
  readonly env?: Record<string, string>;
  /** Where each process's output goes ("<dir>/<name>-<index>.log"); by default, nowhere. */
  readonly logDir?: string;
}): ServiceProcess[] {
  return Array.from({ length: options.count }, (_, index) => {
    const process = new ServiceProcess(
      {
        ROLE: "projector",
        EVENT_STORE_URL: testDatabaseUrl,
        EVENT_STORE_SCHEMA: options.schema,
        ...targetEnv(options.target),
        REDIS_AUTOSTART: "false",
        REDIS_PREFIX: options.prefix,
        PROJECTOR_PARTITION: `${index}/${options.count}`,
        CONSUMER_NAME: `${options.name}-${index}`,
        ...options.env,
      },
      options.logDir && `${options.logDir}/${options.name}-${index}.log`,
    );
    process.start();
    return process;
  });
}
