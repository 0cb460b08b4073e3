import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { GqlResponse } from "../../support/service";

/**
 * Runs one operation over a fresh graphql-ws connection and answers with its first result: the
 * first `next` payload, or the errors the server refused it with (an `error` message), or the
 * close code when the socket was closed instead.
 */
export async function overWebSocket<T = Record<string, unknown>>(
  url: string,
  payload: { query: string; variables?: Record<string, unknown>; extensions?: Record<string, unknown> },
  token?: string,
): Promise<GqlResponse<T> & { closeCode?: number }> {
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  try {
    return await new Promise((resolve) => {
      const unsubscribe = client.subscribe<T>(payload, {
        next: (value) => {
          resolve(value as GqlResponse<T>);
          unsubscribe();
        },
        error: (error) => {
          if (Array.isArray(error)) resolve({ errors: error });
          else resolve({ closeCode: (error as { code?: number }).code ?? -1 });
        },
        complete: () => resolve({}),
      });
    });
  } finally {
    await client.dispose();
  }
}
