import { afterAll, describe, expect, it } from "vitest";
import { PrivateRedis } from "../../gameday/lib/private-redis";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let redis: PrivateRedis | null = null;
afterAll(async () => {
  await redis?.kill();
});

describe("a test's private redis-server", () => {
  it("is one server: up() while it runs starts no second one, and kill() ends the one that runs", async () => {
    redis = await PrivateRedis.start();
    const pid = redis.pid!;
    expect(alive(pid)).toBe(true);
    // errors.test.ts's cleanup calls up() in case its test stopped the server midway.
    await redis.up();
    expect(redis.pid).toBe(pid);
    await redis.kill();
    expect(alive(pid)).toBe(false);
    // And it comes back empty on the same port, then goes again.
    await redis.up();
    const second = redis.pid!;
    expect(second).not.toBe(pid);
    await redis.kill();
    expect(alive(second)).toBe(false);
  });
});
