import { randomUUID } from "node:crypto";
import { GraphQLError } from "graphql";
import { createGraphQLError, createYoga, type YogaServerInstance } from "graphql-yoga";
import { gatewaySchema } from "../resolvers/index";
import type { GatewayServices, GraphQLContext } from "../schema/context";
import { exampleOperations } from "./graphiql";
import { operationsPlugins, type OperationsProbe } from "./operations";

export type Gateway = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/**
 * The GraphQL app, apart from any listener: tests call `gateway.fetch`, `server/http.ts` serves it.
 * Unexpected errors are masked (no SQL, no Redis text) and carry a request id that is in the log.
 */
export function createGateway(options: {
  services: GatewayServices;
  graphiql: boolean;
  logError?: (fields: object, message: string) => void;
  operations?: OperationsProbe;
}): Gateway {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema: gatewaySchema(),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    healthCheckEndpoint: "/health",
    plugins: options.operations ? operationsPlugins(options.operations) : [],
    graphiql: options.graphiql
      ? { title: "Ledgerline", defaultQuery: exampleOperations, subscriptionsProtocol: "WS" }
      : false,
    context: ({ request }) => ({
      services: options.services,
      requestId: request.headers.get("x-request-id") ?? randomUUID(),
      memo: new Map(),
    }),
    maskedErrors: {
      maskError(error, message) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        // Errors we raised on purpose (bad arguments, parse and validation errors) reach the client.
        if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
        const errorId = randomUUID();
        options.logError?.({ err: original, errorId }, "unexpected error while executing an operation");
        return createGraphQLError(message, { extensions: { code: "INTERNAL_SERVER_ERROR", errorId } });
      },
    },
  });
}
