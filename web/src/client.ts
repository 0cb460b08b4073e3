import { createClient, type Client } from "graphql-ws";

/** What the page shows about its link to the server. */
export type LinkState = "connecting" | "live" | "reconnecting" | "error";

export interface GraphQLAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * The page's one way to the server: the public GraphQL API with a bearer token, queries and
 * mutations over HTTP, live views over one WebSocket (graphql-ws). The socket reconnects by itself
 * (with growing waits); every live view then resumes from the last position it received, so a
 * dropped connection loses nothing.
 */
export class Api {
  private readonly client: Client;
  private readonly stateListeners = new Set<(state: LinkState, detail?: string) => void>();
  /** Live views waiting to subscribe again after a drop. */
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly endpoint: string,
    private readonly token: string,
  ) {
    const wsUrl = new URL(endpoint, location.href);
    wsUrl.protocol = wsUrl.protocol === "https:" ? "wss:" : "ws:";
    let connectedOnce = false;
    this.client = createClient({
      url: wsUrl.toString(),
      connectionParams: { authorization: `Bearer ${token}` },
      // The socket opens with the first live view and again, after a drop, with the next one;
      // the client does not re-subscribe on its own (it would resend the old `since`): each live
      // view does, from its own last position (below).
      lazy: true,
      lazyCloseTimeout: 5_000,
      keepAlive: 10_000,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
      on: {
        connecting: () => this.emit(connectedOnce ? "reconnecting" : "connecting"),
        connected: () => {
          connectedOnce = true;
          this.emit("live");
          // The server is back: every view waiting out its back-off subscribes again now.
          for (const retry of [...this.waiting]) retry();
        },
        closed: (event) => {
          const code = (event as CloseEvent | undefined)?.code;
          this.emit(code === 4403 || code === 4401 ? "error" : "reconnecting", reasonOf(event));
        },
        error: () => this.emit("reconnecting"),
      },
    });
  }

  onState(listener: (state: LinkState, detail?: string) => void): void {
    this.stateListeners.add(listener);
  }

  private emit(state: LinkState, detail?: string): void {
    for (const listener of this.stateListeners) listener(state, detail);
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer<T>> {
    const response = await fetch(this.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        authorization: `Bearer ${this.token}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLAnswer<T>;
  }

  /**
   * A live view: `onData` gets every push. `positionOf` reads the position a push reflects; after
   * a reconnect the subscription is made again with `since` set to the last one, so the server
   * sends exactly the changes missed.
   */
  live<T>(
    query: string,
    variables: Record<string, unknown>,
    onData: (data: T) => void,
    positionOf?: (data: T) => string | null,
    onRefused?: (message: string) => void,
  ): () => void {
    let since: string | null = null;
    let stopped = false;
    let failures = 0;
    let unsubscribe: () => void = () => undefined;
    const again = () => {
      if (stopped) return;
      failures++;
      // 0.5 s, 1 s, 2 s … up to 5 s between tries while the server is away, or at once when
      // another view's try finds it back.
      const retry = () => {
        clearTimeout(timer);
        this.waiting.delete(retry);
        start();
      };
      const timer = setTimeout(retry, Math.min(5_000, 250 * 2 ** failures));
      this.waiting.add(retry);
    };
    const start = () => {
      unsubscribe = this.client.subscribe<T>(
        { query, variables: positionOf && since ? { ...variables, since } : variables },
        {
          next: (answer) => {
            failures = 0;
            if (answer.errors?.length) this.emit("error", answer.errors[0]!.message);
            if (answer.data) {
              since = positionOf?.(answer.data as T) ?? since;
              onData(answer.data as T);
            }
          },
          error: (error: unknown) => {
            // GraphQL errors (an unknown id, no access): the server said no; trying again would
            // get the same answer. A dropped connection: try again, from the last position.
            if (Array.isArray(error)) {
              const message = (error as { message?: string }[])[0]?.message ?? "refused";
              if (onRefused) onRefused(message);
              else this.emit("error", message);
              return;
            }
            again();
          },
          complete: again,
        },
      );
    };
    start();
    return () => {
      stopped = true;
      unsubscribe();
    };
  }
}

function reasonOf(event: unknown): string | undefined {
  const reason = (event as CloseEvent | undefined)?.reason;
  return reason ? reason : undefined;
}
