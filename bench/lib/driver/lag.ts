import { createClient } from "graphql-ws";
import { Redis } from "ioredis";
import WebSocket from "ws";
import { nowMs, sleep, waitUntil } from "../clock";
import { depositBody, pushedRevision, watchAccountSubscription } from "../graphql";
import { latencyRecorder } from "../histogram";
import { keepAliveAgent, postJson } from "./http";
import type { LagResult, PubSubLagTask, WriteLagTask } from "./tasks";

const DRAIN_MS = 3_000;

/** Calls `fire(i)` at start + i / rate for `seconds`, without waiting for earlier calls. */
async function atFixedRate(ratePerSecond: number, seconds: number, fire: (i: number) => void): Promise<void> {
  const total = Math.max(1, Math.round(ratePerSecond * seconds));
  const start = nowMs();
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / ratePerSecond - nowMs();
    if (wait > 0) await sleep(wait);
    fire(i);
  }
}

/**
 * Mutation acknowledged → WebSocket push received. Each account has a graphql-ws subscription;
 * deposits go round-robin at a fixed rate. A write counts as seen by the first push whose revision
 * is at least the one the mutation answered (the view may fold two quick writes into one push).
 */
export async function writeToReadLag(task: WriteLagTask): Promise<LagResult> {
  const client = createClient({
    url: task.url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    lazy: false,
    connectionParams: task.authorization ? { authorization: task.authorization } : {},
  });
  const pushes = new Map<string, { revision: number; at: number }[]>(task.accounts.map((id) => [id, []]));
  const unsubscribes = task.accounts.map((accountId) =>
    client.subscribe(
      { query: watchAccountSubscription, variables: { id: accountId } },
      {
        next: (value) => {
          const at = nowMs();
          const revision = pushedRevision(value);
          if (revision !== null) pushes.get(accountId)!.push({ revision, at });
        },
        error: () => undefined,
        complete: () => undefined,
      },
    ),
  );
  const agent = keepAliveAgent(32);
  try {
    await waitUntil(
      () => [...pushes.values()].every((list) => list.length > 0),
      "the first push of each subscription",
      {
        timeoutMs: 15_000,
      },
    );
    const acks: { accountId: string; revision: number; at: number }[] = [];
    let failed = 0;
    const inFlight: Promise<void>[] = [];
    await atFixedRate(task.ratePerSecond, task.seconds, (i) => {
      const accountId = task.accounts[i % task.accounts.length]!;
      inFlight.push(
        postJson(agent, task.url, depositBody(accountId, "1.00"), task.authorization).then(
          (answer) => {
            const at = nowMs();
            const revision = (JSON.parse(answer.body) as { data?: { deposit?: { revision?: number } } }).data
              ?.deposit?.revision;
            if (typeof revision === "number") acks.push({ accountId, revision, at });
            else failed++;
          },
          () => void failed++,
        ),
      );
    });
    await Promise.all(inFlight);
    const seenBy = (ack: (typeof acks)[number]) =>
      pushes.get(ack.accountId)!.find((push) => push.revision >= ack.revision);
    await waitUntil(() => acks.every((ack) => seenBy(ack) !== undefined), "pushes", {
      timeoutMs: DRAIN_MS,
    }).catch(() => undefined);
    const recorder = latencyRecorder();
    let early = 0;
    let missing = failed;
    for (const ack of acks) {
      const push = seenBy(ack);
      if (!push) {
        missing++;
        continue;
      }
      if (push.at < ack.at) early++;
      recorder.record(push.at - ack.at);
    }
    return { latency: recorder.summary(), writes: acks.length, early, missing };
  } finally {
    for (const unsubscribe of unsubscribes) unsubscribe();
    await client.dispose();
    agent.destroy();
  }
}

/** The floor under any push: Redis PUBLISH issued → message received, at the same rate. */
export async function pubSubLag(task: PubSubLagTask): Promise<LagResult> {
  const publisher = new Redis(task.redisUrl);
  const subscriber = new Redis(task.redisUrl);
  const sentAt = new Map<number, number>();
  const recorder = latencyRecorder();
  let received = 0;
  subscriber.on("message", (_channel: string, message: string) => {
    const at = nowMs();
    const sent = sentAt.get(Number(message));
    if (sent !== undefined) {
      recorder.record(at - sent);
      received++;
    }
  });
  try {
    await subscriber.subscribe(task.channel);
    await publisher.ping();
    let published = 0;
    await atFixedRate(task.ratePerSecond, task.seconds, (i) => {
      sentAt.set(i, nowMs());
      published++;
      void publisher.publish(task.channel, String(i));
    });
    await waitUntil(() => received >= published, "published messages", { timeoutMs: DRAIN_MS }).catch(
      () => undefined,
    );
    return { latency: recorder.summary(), writes: published, early: 0, missing: published - received };
  } finally {
    publisher.disconnect();
    subscriber.disconnect();
  }
}
