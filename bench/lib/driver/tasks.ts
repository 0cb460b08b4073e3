import type { LatencySummary } from "../histogram";

/** Work the load-driver process does on request; every field crosses IPC, so plain data only. */
export type DriverTask =
  | ClosedLoopTask
  | HgetallTask
  | OpenLoopTask
  | WriteLagTask
  | PubSubLagTask
  | SseOpenTask
  | SseChangeTask
  | SseCloseTask;

/** autocannon at full speed: `connections` connections, each cycling through its share of `bodies`. */
export interface ClosedLoopTask {
  readonly kind: "closed-loop";
  readonly url: string;
  /** `authorization` header value for the gateway; null for none. */
  readonly authorization: string | null;
  readonly connections: number;
  readonly seconds: number;
  /** Connection i sends bodies i, i + connections, i + 2·connections, … in a loop. */
  readonly bodies: readonly string[];
}

export interface ThroughputResult {
  readonly perSecond: number;
  readonly completed: number;
  readonly errors: number;
  readonly seconds: number;
}

/** `concurrency` HGETALLs always in flight on one ioredis connection, as the gateway has. */
export interface HgetallTask {
  readonly kind: "hgetall";
  readonly redisUrl: string;
  readonly key: string;
  readonly concurrency: number;
  readonly seconds: number;
}

/** Requests at a fixed arrival rate; latency measured from when each request was due. */
export interface OpenLoopTask {
  readonly kind: "open-loop";
  readonly url: string;
  readonly authorization: string | null;
  readonly body: string;
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly sockets: number;
}

export interface OpenLoopResult {
  readonly latency: LatencySummary;
  readonly sent: number;
  readonly failed: number;
}

/** Deposits at a fixed rate while a WebSocket subscription watches each account. */
export interface WriteLagTask {
  readonly kind: "write-lag";
  readonly url: string;
  readonly authorization: string | null;
  readonly accounts: readonly string[];
  readonly ratePerSecond: number;
  readonly seconds: number;
}

export interface LagResult {
  readonly latency: LatencySummary;
  readonly writes: number;
  /** Pushes that arrived before the mutation's answer (recorded as 0 ms). */
  readonly early: number;
  /** Writes never seen by the subscriber within the drain time. */
  readonly missing: number;
}

/** PUBLISH at a fixed rate on one connection, receive on another. */
export interface PubSubLagTask {
  readonly kind: "pubsub-lag";
  readonly redisUrl: string;
  readonly channel: string;
  readonly ratePerSecond: number;
  readonly seconds: number;
}

/** Opens `count` Server-Sent Events streams (POST `body`), kept open under `group`. */
export interface SseOpenTask {
  readonly kind: "sse-open";
  readonly group: string;
  readonly url: string;
  readonly authorization: string | null;
  readonly body: string;
  readonly count: number;
}

/** Posts `triggerBody` to `triggerUrl` and times until every stream of `group` saw the next revision. */
export interface SseChangeTask {
  readonly kind: "sse-change";
  readonly group: string;
  readonly triggerUrl: string;
  readonly triggerBody: string;
  readonly authorization: string | null;
  readonly timeoutMs: number;
}

export interface FanoutResult {
  /** Milliseconds from the change being sent to each subscriber's receipt. */
  readonly latencies: readonly number[];
  readonly latency: LatencySummary;
  readonly received: number;
  readonly subscribers: number;
}

export interface SseCloseTask {
  readonly kind: "sse-close";
  readonly group: string;
}

export type DriverReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };
