import { GraphQLError, NoSchemaIntrospectionCustomRule, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Log } from "../../projectors/log";
import type { GraphQLContext } from "../../schema/context";
import { onlyIntrospection } from "../limits/operation";

const howToAuthenticate =
  "send `Authorization: Bearer <token>` (over WebSocket: connectionParams.authorization); " +
  "in development `npm run token -- --role customer --sub <you>` mints one";

function unauthenticated(reason: string, problem: string): GraphQLError {
  const description = problem.replace(/["\\]/g, "'");
  return new GraphQLError(`${problem}: ${howToAuthenticate}`, {
    extensions: {
      code: "UNAUTHENTICATED",
      reason,
      http: {
        status: 401,
        // RFC 6750: no error code when no token was sent at all.
        headers: {
          "WWW-Authenticate":
            reason === "missing"
              ? 'Bearer realm="ledgerline"'
              : `Bearer realm="ledgerline", error="invalid_token", error_description="${description}"`,
        },
      },
    },
  });
}

/**
 * Refuses, before anything executes, a request whose token was refused, and an anonymous request
 * unless it only introspects (and introspection is on). Fine-grained rules (roles, ownership) are
 * on the schema (Pothos scope auth); this plugin only answers "who are you?". It runs for HTTP,
 * SSE and WebSocket alike: all three execute through the same envelop.
 */
export function useAuthentication(options: { introspection: boolean; log: Log }): Plugin<GraphQLContext> {
  const refusal = (ctx: GraphQLContext, document: DocumentNode, operationName?: string | null) => {
    const problem = ctx.authProblem;
    if (problem?.reason === "unavailable") {
      options.log.error(
        { err: problem.cause, requestId: ctx.requestId },
        "could not verify a token: identity provider unreachable",
      );
      return new GraphQLError(problem.message, {
        extensions: { code: "AUTHENTICATION_UNAVAILABLE", requestId: ctx.requestId, http: { status: 503 } },
      });
    }
    if (problem) return unauthenticated(problem.reason, problem.message);
    if (ctx.userId !== undefined) return null;
    if (options.introspection && onlyIntrospection(document, operationName)) return null;
    return unauthenticated("missing", "Authentication required");
  };
  return {
    onValidate({ addValidationRule }) {
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = refusal(args.contextValue, args.document, args.operationName);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refusal(args.contextValue, args.document, args.operationName);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
