import type { ConnectionOptions } from "bullmq";

/** BullMQ's connection settings from a Redis URL, as its docs ask for workers. */
export function bullConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db,
    ...(url.username && { username: decodeURIComponent(url.username) }),
    ...(url.password && { password: decodeURIComponent(url.password) }),
    ...(url.protocol === "rediss:" && { tls: {} }),
    // A worker blocks on Redis; it must wait out outages instead of failing its commands.
    maxRetriesPerRequest: null,
  };
}
