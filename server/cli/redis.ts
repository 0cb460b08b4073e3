import { Redis } from "ioredis";
import { CommandFailed } from "./args";

/**
 * A Redis connection for a command-line tool, connected now or a CommandFailed in one clear line
 * (no retries: a tool says Redis is away and exits, where the service would wait for it).
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new CommandFailed(`Redis is unavailable at ${url}: ${(error as Error).message}`);
  }
  return redis;
}
