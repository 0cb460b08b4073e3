import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config";
import { obtainRedis, RedisUnavailable } from "../../server/redis";
import { silentLog } from "../../projectors/log";
import { freePort } from "../../server/redis";

describe("REDIS_CLUSTER_NODES", () => {
  it("takes host:port entries separated by commas; unset or empty means one Redis (REDIS_URL)", () => {
    expect(loadConfig({}).redisCluster).toBeNull();
    expect(loadConfig({ REDIS_CLUSTER_NODES: "" }).redisCluster).toBeNull();
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: "redis-1:6379, 10.0.0.2:7000,[::1]:7001" }).redisCluster,
    ).toEqual([
      { host: "redis-1", port: 6379 },
      { host: "10.0.0.2", port: 7000 },
      { host: "::1", port: 7001 },
    ]);
  });

  it("refuses a malformed list, naming the entry, and REDIS_URL beside it", () => {
    const refusals: [Record<string, string>, RegExp][] = [
      [{ REDIS_CLUSTER_NODES: "redis-1" }, /entry "redis-1" is not "host:port"/],
      [
        { REDIS_CLUSTER_NODES: "redis-1:0" },
        /entry "redis-1:0" is not "host:port" \(a port from 1 to 65535\)/,
      ],
      [{ REDIS_CLUSTER_NODES: "redis-1:70000" }, /entry "redis-1:70000"/],
      [{ REDIS_CLUSTER_NODES: "a:1,,b:2" }, /must list "host:port" entries separated by commas/],
      [{ REDIS_CLUSTER_NODES: "redis://a:1" }, /entry "redis:\/\/a:1"/],
      [{ REDIS_CLUSTER_NODES: "a b:1" }, /entry "a b:1"/],
      [
        { REDIS_CLUSTER_NODES: "a:1", REDIS_URL: "redis://x:6379" },
        /REDIS_URL .* or REDIS_CLUSTER_NODES .*, not both/,
      ],
      [{ REDIS_CLUSTER_NODES: "a:1", REDIS_PREFIX: "ll{1}:" }, /REDIS_PREFIX may not contain "\{" or "\}"/],
    ];
    for (const [env, message] of refusals) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(message);
    }
  });

  it("says which nodes do not answer, and starts nothing for a cluster", async () => {
    const port = await freePort();
    const attempt = obtainRedis({
      url: "redis://127.0.0.1:6379",
      cluster: [{ host: "127.0.0.1", port }],
      autostart: true,
      dataDir: "/nonexistent",
      log: silentLog,
    });
    await expect(attempt).rejects.toThrow(RedisUnavailable);
    await expect(attempt).rejects.toThrow(
      new RegExp(`Redis Cluster at 127\\.0\\.0\\.1:${port} .* does not answer`),
    );
  });
});
