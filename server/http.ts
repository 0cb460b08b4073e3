import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GraphQLError, type ExecutionResult } from "graphql";
import {
  CloseCode,
  handleProtocols,
  makeServer,
  type Context as WsContext,
  type ServerOptions as WsServerOptions,
} from "graphql-ws";
import { mapAsyncIterator } from "graphql-yoga";
import { WebSocketServer, type WebSocket } from "ws";
import type { Log } from "../projectors/log";
import type { GraphQLContext } from "../schema/context";
import type { Gateway } from "./app";
import { originAllowed } from "./auth/origins";
import { carriesBody, declaresMoreThan, readBodyWithin, refuseTooLarge } from "./limits/body";
import { persistedQueryFor } from "./limits/persisted";
import { ListenFailed } from "./listen-failed";

export interface HttpListener {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the gateway over HTTP (queries, mutations, SSE subscriptions, GraphiQL) and WebSocket
 * (graphql-ws protocol) on the same port and path. WebSocket operations go through the same
 * yoga envelope as HTTP ones, so context (authentication), validation (depth, cost, aliases,
 * directives), the auth and rate-limit checks and error masking are the same. What yoga's HTTP
 * pipeline does on its own is repeated here for sockets: body size, persisted operations.
 */
export async function listen(gateway: Gateway, host: string, port: number, log: Log): Promise<HttpListener> {
  const { auth, limits, persistedOperations } = gateway.security;
  const server = createServer((request, response) => {
    void (async () => {
      if (carriesBody(request)) {
        // Count bytes as they arrive and stop at the limit: a 5 MB body is neither buffered nor parsed.
        const body = await readBodyWithin(request, limits.maxBodyBytes).catch(() => null);
        if (body === null) return refuseTooLarge(request, response, limits.maxBodyBytes);
        // whatwg-node (yoga's adapter) takes an already-read body from `request.body`.
        (request as IncomingMessage & { body?: Buffer }).body = body;
      }
      await gateway(request, response);
    })();
  });
  // A client that asks before sending its body (`Expect: 100-continue`, as curl does past 1 MB)
  // is refused before it sends a byte of a body announced too large; Node would otherwise tell it
  // to go on, and refuse it mid-upload.
  server.on("checkContinue", (request, response) => {
    if (declaresMoreThan(request, limits.maxBodyBytes)) {
      return refuseTooLarge(request, response, limits.maxBodyBytes, { beforeBody: true });
    }
    response.writeContinue();
    server.emit("request", request, response);
  });
  // Listening before the WebSocket server is attached: ws passes the HTTP server's errors on as
  // its own, so attached first it reported an address in use as a WebSocket error and the start
  // waited for ever. No upgrade is missed: the sockets are attached (the continuation of this
  // await) before the event loop accepts a first connection.
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(new ListenFailed(host, port, error));
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const sockets = new WebSocketServer({
    server,
    path: gateway.graphqlEndpoint,
    maxPayload: limits.maxBodyBytes,
    // Browsers do not apply CORS to WebSockets: refuse upgrades from pages of other origins.
    verifyClient: (info, done) =>
      originAllowed(info.origin, info.req.headers.host, auth)
        ? done(true)
        : done(false, 403, "Origin not allowed"),
  });
  const wsServer = serveGraphqlWs(
    {
      execute: (args) => (args.rootValue as Envelope).execute(args),
      subscribe: (args) => (args.rootValue as Envelope).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        let query = payload.query;
        if (persistedOperations) {
          const known = persistedQueryFor(persistedOperations, payload);
          if (known instanceof GraphQLError) return [known];
          query = known;
        }
        // POST: a socket operation is no "safe" GET (yoga refuses mutations over GET).
        const request = new Request(`http://${host}${gateway.graphqlEndpoint}`, {
          method: "POST",
          headers: socketHeaders(ctx),
        });
        const { schema, execute, subscribe, contextFactory, parse, validate } = gateway.getEnveloped({
          ...ctx,
          request,
          params: { ...payload, query },
        });
        let document;
        try {
          // The token limit stops the parser itself: answer that like any other refusal.
          document = parse(query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const contextValue = (await contextFactory()) as unknown as GraphQLContext & {
          expiresAt?: number | null;
        };
        closeWhenTokenExpires(ctx, contextValue.expiresAt ?? null);
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute: withoutHttpExtensions(execute), subscribe: withoutHttpExtensions(subscribe) },
        };
      },
    },
    sockets,
    log,
  );
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}${gateway.graphqlEndpoint}`,
    async close() {
      await wsServer.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The upgrade request's headers, with the token from the connection parameters (browsers cannot
 * set headers on a WebSocket; graphql-ws clients send `connectionParams.authorization`, GraphiQL
 * sends its headers there as `Authorization`).
 */
function socketHeaders(ctx: WsContext<Record<string, unknown> | undefined, { request: IncomingMessage }>) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(ctx.extra.request.headers)) {
    if (typeof value === "string") headers.set(name, value);
  }
  const params = ctx.connectionParams ?? {};
  const token = params.authorization ?? params.Authorization;
  if (typeof token === "string") headers.set("authorization", token);
  // Each operation on a socket is its own request, with its own id.
  headers.delete("x-request-id");
  return headers;
}

const expiryTimers = new WeakMap<object, NodeJS.Timeout>();

/** A socket may outlive its token: close it (4401) when the token expires, so live views stop. */
function closeWhenTokenExpires(
  ctx: WsContext<
    Record<string, unknown> | undefined,
    { socket?: { close(code: number, reason: string): void } }
  >,
  expiresAt: number | null,
) {
  if (expiresAt === null || expiryTimers.has(ctx)) return;
  const socket = ctx.extra.socket;
  if (!socket) return;
  const timer = setTimeout(
    () => socket.close(4401, "Token expired"),
    Math.max(0, expiresAt * 1000 - Date.now()),
  );
  timer.unref();
  expiryTimers.set(ctx, timer);
}

/** The close code ws attaches to a frame error (under a symbol of its own). */
function statusCodeOf(error: Error): number | undefined {
  const key = Object.getOwnPropertySymbols(error).find((symbol) => symbol.description === "status-code");
  const value = key === undefined ? undefined : (error as unknown as Record<symbol, unknown>)[key];
  return typeof value === "number" ? value : undefined;
}

type SocketExtra = { socket: WebSocket; request: IncomingMessage };
type OperationResult = ReturnType<NonNullable<WsServerOptions["execute"]>>;

/**
 * graphql-ws over the ws package, as graphql-ws's own `useServer` binds them, with one difference:
 * what a client gets wrong at the WebSocket level is the client's affair, not an "internal error".
 * A frame ws refuses (larger than MAX_BODY_BYTES, text that is not UTF-8, a malformed frame) has
 * already closed that connection with the protocol's code (1009, 1007, 1002) when ws reports it;
 * it is logged as one line, with no stack (useServer printed the error's stack with console.error,
 * for anyone, authenticated or not). Messages that are not graphql-ws messages are closed by
 * graphql-ws itself (4400). Other connections are untouched.
 */
function serveGraphqlWs(
  options: WsServerOptions<Record<string, unknown> | undefined, SocketExtra>,
  sockets: WebSocketServer,
  log: Log,
  keepAliveMs = 12_000,
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  sockets.options.handleProtocols = handleProtocols;
  // ws passes the HTTP server's own errors on here (a connection the listener could not accept).
  sockets.on("error", (error) => log.error({ err: error }, "HTTP listener error"));
  sockets.on("connection", (socket, request) => {
    let refused: (Error & { code?: string }) | null = null;
    socket.on("error", (error: Error & { code?: string }) => {
      refused ??= error;
      // ws closes the connection itself on a refused frame; anything else is closed here.
      if (socket.readyState === socket.OPEN)
        socket.close(CloseCode.InternalServerError, "Internal server error");
    });
    let pongWait: NodeJS.Timeout | null = null;
    const pings = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once("pong", () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, keepAliveMs);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on("message", async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              log.error({ err: error }, "websocket message handling failed; connection closed");
              socket.close(CloseCode.InternalServerError, "Internal server error");
            }
          }),
      },
      { socket, request },
    );
    socket.once("close", (code, reason) => {
      clearInterval(pings);
      if (pongWait) clearTimeout(pongWait);
      if (refused) {
        log.warn(
          {
            // The code ws sent: the connection is gone before the client answers (1006 here).
            closeCode: statusCodeOf(refused) ?? code,
            error: refused.code ?? refused.name,
            reason: refused.message,
            remoteAddress: request.socket.remoteAddress,
          },
          "websocket connection closed: the client sent a frame the protocol refuses",
        );
      }
      void closed(code, String(reason));
    });
  });
  return {
    async dispose() {
      for (const client of sockets.clients) client.close(1001, "Going away");
      sockets.removeAllListeners();
      await new Promise<void>((resolve, reject) =>
        sockets.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

interface Envelope {
  execute: (args: unknown) => OperationResult;
  subscribe: (args: unknown) => OperationResult;
}

/** `extensions.http` (status, headers) means something to yoga's HTTP responses only; drop it on a socket. */
function withoutHttpExtensions(run: (args: never) => unknown) {
  const clean = (result: ExecutionResult): ExecutionResult =>
    result.errors?.some((error) => error.extensions?.http)
      ? {
          ...result,
          errors: result.errors.map((error) => {
            if (!error.extensions?.http) return error;
            const { http: _http, ...extensions } = error.extensions;
            return new GraphQLError(error.message, {
              nodes: error.nodes ?? null,
              path: error.path ?? null,
              originalError: error.originalError ?? null,
              extensions,
            });
          }),
        }
      : result;
  return async (args: unknown) => {
    const result = (await run(args as never)) as ExecutionResult | AsyncIterable<ExecutionResult>;
    if (!(Symbol.asyncIterator in result)) return clean(result);
    // Mapped, not re-yielded from a generator: a client's `complete` must reach the live view at
    // once (a generator would take it only at its next value, which a quiet view may never have).
    return mapAsyncIterator(result, clean);
  };
}
