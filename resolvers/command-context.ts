import { createHash } from "node:crypto";
import type { CommandContext } from "../commands/context";
import { ValidationError } from "../domain/shared/errors";
import type { JsonObject, JsonValue } from "../eventstore/port";
import type { GraphQLContext } from "../schema/context";

/**
 * A mutation's resolver that checks its input, builds a command and executes it: a refusal while
 * checking counts, in the command metrics, as an outcome of `commandType` (see
 * CommandRuntime.checked), like a refusal by the decider.
 */
export function commandResolver<Root, Args, Result>(
  commandType: string,
  resolve: (root: Root, args: Args, ctx: GraphQLContext) => Promise<Result> | Result,
): (root: Root, args: Args, ctx: GraphQLContext) => Promise<Result> {
  return (root, args, ctx) => ctx.services.commands.checked(commandType, () => resolve(root, args, ctx));
}

/** Builds the command's metadata from the request: who, when, which request, which key. */
export function commandContext(
  ctx: GraphQLContext,
  input: { idempotencyKey?: string | null } & Record<string, unknown>,
): CommandContext {
  const { idempotencyKey, ...request } = input;
  if (
    idempotencyKey !== undefined &&
    idempotencyKey !== null &&
    (idempotencyKey.length === 0 || idempotencyKey.length > 200)
  ) {
    throw new ValidationError("idempotencyKey", "An idempotency key has 1 to 200 characters");
  }
  return {
    now: ctx.services.clock(),
    correlationId: ctx.requestId,
    ...(ctx.userId !== undefined && { userId: ctx.userId }),
    ...(idempotencyKey ? { idempotency: { key: idempotencyKey, request: toJson(request) } } : {}),
  };
}

function toJson(value: Record<string, unknown>): JsonObject {
  return JSON.parse(JSON.stringify(value)) as { [key: string]: JsonValue };
}

/** A stable id for what a request creates, derived from its idempotency key (same key, same id). */
export function derivedId(kind: string, userId: string | undefined, idempotencyKey: string): string {
  const digest = createHash("sha256")
    .update(`${userId ?? "anonymous"}/${idempotencyKey}`)
    .digest("hex");
  return `${kind}-${digest.slice(0, 24)}`;
}
