import autocannon from "autocannon";
import { Redis } from "ioredis";
import { nowMs } from "../clock";
import type { ClosedLoopTask, HgetallTask, ThroughputResult } from "./tasks";

/** autocannon, programmatic, in this (driver) process: saturating throughput over HTTP. */
export async function closedLoop(task: ClosedLoopTask): Promise<ThroughputResult> {
  const headers = {
    "content-type": "application/json",
    accept: "application/json",
    ...(task.authorization && { authorization: task.authorization }),
  };
  let slot = 0;
  const result = await autocannon({
    url: task.url,
    method: "POST",
    headers,
    body: task.bodies[0],
    connections: task.connections,
    duration: task.seconds,
    setupClient(client) {
      const mine = task.bodies.filter((_, i) => i % task.connections === slot % task.connections);
      slot++;
      if (mine.length > 0) client.setRequests(mine.map((body) => ({ method: "POST", headers, body })));
    },
  });
  const completed = result["2xx"];
  return {
    perSecond: completed / result.duration,
    completed,
    errors: result.errors + result.timeouts + result.non2xx,
    seconds: result.duration,
  };
}

/** The Redis read alone: `concurrency` HGETALLs in flight on one connection, back to back. */
export async function hgetallLoop(task: HgetallTask): Promise<ThroughputResult> {
  const redis = new Redis(task.redisUrl);
  try {
    await redis.hgetall(task.key);
    let completed = 0;
    let errors = 0;
    const start = nowMs();
    const end = start + task.seconds * 1000;
    const worker = async () => {
      while (nowMs() < end) {
        try {
          await redis.hgetall(task.key);
          completed++;
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: task.concurrency }, worker));
    const seconds = (nowMs() - start) / 1000;
    return { perSecond: completed / seconds, completed, errors, seconds };
  } finally {
    redis.disconnect();
  }
}
