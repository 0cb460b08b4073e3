import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSchema, createYoga } from "graphql-yoga";

/** What the bare server answers; the figures send it as `{ hello }`. */
export const helloQuery = `{ hello }`;

/**
 * The baseline for the query stack: graphql-yoga's hello world on node:http, with yoga's defaults
 * and nothing of the gateway (no authentication, limits, masking, metrics or tracing). It runs in
 * the benchmark process as the service does, so both share the same event loop budget.
 */
export async function startBareYoga(): Promise<{ url: string; close(): Promise<void> }> {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: "type Query { hello: String! }",
      resolvers: { Query: { hello: () => "world" } },
    }),
    logging: false,
    landingPage: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
