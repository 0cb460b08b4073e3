import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Gateway } from "./app";

export interface HttpListener {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the gateway over HTTP (queries, mutations, SSE subscriptions, GraphiQL) and WebSocket
 * (graphql-ws protocol) on the same port and path. WebSocket operations go through the same
 * yoga envelope as HTTP ones, so context, validation and error masking are the same.
 */
export async function listen(gateway: Gateway, host: string, port: number): Promise<HttpListener> {
  const server = createServer(gateway);
  const sockets = new WebSocketServer({ server, path: gateway.graphqlEndpoint });
  const wsServer = useServer(
    {
      execute: (args) => (args.rootValue as Envelope).execute(args),
      subscribe: (args) => (args.rootValue as Envelope).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const request = new Request(`http://${host}${gateway.graphqlEndpoint}`, {
          headers: Object.entries(ctx.extra.request.headers).flatMap(([k, v]) =>
            typeof v === "string" ? [[k, v] as [string, string]] : [],
          ),
        });
        const { schema, execute, subscribe, contextFactory, parse, validate } = gateway.getEnveloped({
          ...ctx,
          request,
          params: payload,
        });
        const document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    sockets,
  );
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
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

type OperationResult = ReturnType<NonNullable<Parameters<typeof useServer>[0]["execute"]>>;

interface Envelope {
  execute: (args: unknown) => OperationResult;
  subscribe: (args: unknown) => OperationResult;
}
