import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { SseDataSplitter } from "../../gameday/lib/sse";

/** A live subscription's received payloads, with a way to wait for the n-th one. */
export interface LiveSubscription<T> {
  readonly received: T[];
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  close(): Promise<void>;
}

function collector<T>() {
  const received: T[] = [];
  const waiters: (() => void)[] = [];
  return {
    received,
    push(value: T) {
      received.push(value);
      for (const wake of waiters.splice(0)) wake();
    },
    async waitFor(count: number, timeoutMs = 10_000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} payloads, received ${received.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
  };
}

/** Credentials for a live view: a bearer token (SSE header, WebSocket connection parameter). */
export interface LiveOptions {
  readonly token?: string;
}

/** Subscribes over Server-Sent Events (graphql-sse "distinct connections" mode, as yoga serves). */
export async function subscribeSse<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options: LiveOptions = {},
): Promise<LiveSubscription<T>> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      ...(options.token && { authorization: `Bearer ${options.token}` }),
    },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!response.ok || !response.body) throw new Error(`SSE subscription refused: ${response.status}`);
  const box = collector<T>();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    const splitter = new SseDataSplitter();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const data of splitter.push(decoder.decode(value, { stream: true })))
          box.push(JSON.parse(data) as T);
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    received: box.received,
    waitFor: box.waitFor,
    async close() {
      controller.abort();
    },
  };
}

/** Subscribes over WebSocket with the graphql-ws protocol. */
export async function subscribeWs<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options: LiveOptions = {},
): Promise<LiveSubscription<T>> {
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    lazy: false,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });
  const box = collector<T>();
  let failure: unknown = null;
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    { next: (value) => box.push(value as T), error: (error) => (failure = error), complete: () => undefined },
  );
  return {
    received: box.received,
    async waitFor(count, timeoutMs) {
      if (failure) throw failure;
      return box.waitFor(count, timeoutMs);
    },
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}
