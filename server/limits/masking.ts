import { randomUUID } from "node:crypto";
import { GraphQLError, type ExecutionResult } from "graphql";
import { handleStreamOrSingleExecutionResult, type Plugin } from "graphql-yoga";
import type { Log } from "../../projectors/log";
import type { GraphQLContext } from "../../schema/context";

const requestIds = new WeakMap<Request, string>();
const acceptedId = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * The request's id: the caller's `x-request-id` when it is a plain token (so ids from a proxy or
 * client carry through), else a fresh one. Stable per Request object: the context, the response
 * header and the log lines all show the same id.
 */
export function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    const given = request.headers.get("x-request-id");
    id = given && acceptedId.test(given) ? given : randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

/** Logs an unexpected failure with its cause and answers the client without it, under the request id. */
export function maskedFailure(
  log: Log,
  ctx: Pick<GraphQLContext, "requestId" | "userId">,
  cause: unknown,
  message: string,
  error?: GraphQLError,
): GraphQLError {
  log.error({ err: cause, requestId: ctx.requestId, userId: ctx.userId, path: error?.path }, message);
  return new GraphQLError("Unexpected error", {
    ...(error?.nodes && { nodes: error.nodes }),
    ...(error?.path && { path: error.path }),
    extensions: { code: "INTERNAL_SERVER_ERROR", requestId: ctx.requestId },
  });
}

/** Errors raised on purpose (validation, bad arguments, auth, limits) reach the client as they are. */
function isExpected(error: GraphQLError): boolean {
  return !error.originalError || error.originalError instanceof GraphQLError;
}

/**
 * Masks unexpected errors (a Redis or SQL failure, a bug): the client sees "Unexpected error" with
 * the request id and nothing of the cause; the log line has the cause under the same id. Runs with
 * the operation's context (yoga's own masking does not see it), for queries, mutations and every
 * pushed subscription payload, over HTTP and WebSocket.
 */
export function useErrorMasking(log: Log): Plugin<GraphQLContext> {
  const mask = (ctx: GraphQLContext, result: ExecutionResult): ExecutionResult | null => {
    if (!result.errors?.some((error) => !isExpected(error))) return null;
    return {
      ...result,
      errors: result.errors.map((error) =>
        isExpected(error)
          ? error
          : maskedFailure(
              log,
              ctx,
              error.originalError,
              "unexpected error while executing an operation",
              error,
            ),
      ),
    };
  };
  const onDone =
    (ctx: GraphQLContext) =>
    (payload: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) => {
      const masked = mask(ctx, payload.result);
      if (masked) payload.setResult(masked);
    };
  return {
    onExecute({ args }) {
      const ctx = args.contextValue;
      return {
        onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, onDone(ctx)),
      };
    },
    onSubscribe({ args }) {
      const ctx = args.contextValue;
      return {
        onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, onDone(ctx)),
        // A live view's source failing later (Redis gone mid-stream) ends the stream; mask that too.
        onSubscribeError: ({ error, setError }) => {
          if (error instanceof GraphQLError && isExpected(error)) return;
          setError(maskedFailure(log, ctx, error, "a live view's source failed"));
        },
      };
    },
  };
}
