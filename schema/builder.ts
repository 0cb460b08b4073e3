import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import InputGuardPlugin from "./input-guard";
import type { GraphQLContext } from "./context";

/**
 * Only configuration lives here; types and fields register themselves in their own files.
 *
 * Authorization is declared on the schema (scope auth; the matrix is in the README). Scopes:
 * `authenticated` (any verified token), `customer`, `staff` (staff or admin: operations and all
 * reads), `admin`, and `self`, which holds when its parameter is the caller's own user id.
 * Anonymous requests never reach a field: the gateway refuses them first (server/auth/plugin.ts).
 */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  AuthScopes: {
    authenticated: boolean;
    customer: boolean;
    staff: boolean;
    admin: boolean;
    self: string;
  };
  Scalars: {
    Position: { Input: string; Output: string };
    DateTime: { Input: Date; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  // Scope auth first, so no other plugin's wrapper runs before the check; the input guard last
  // (innermost), so the ValidationError it throws becomes the field's typed result.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, InputGuardPlugin],
  defaultFieldNullability: false,
  errors: { defaultTypes: [], directResult: true },
  scopeAuth: {
    // Checked when a subscription starts, not only when its first event resolves.
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      authenticated: ctx.userId !== undefined,
      customer: ctx.role === "customer",
      staff: ctx.role === "staff" || ctx.role === "admin",
      admin: ctx.role === "admin",
      self: (userId) => ctx.userId !== undefined && ctx.userId === userId,
    }),
    unauthorizedError: (_parent, ctx, info, result) => {
      const field = `${info.parentType.name}.${info.fieldName}`;
      // A caller of the right role who named someone else (a customer opening an account for
      // another owner): the field is theirs to call, for themselves.
      const message = failedScope(result.failure, "self")
        ? `Not allowed: ${field} is available to ${ctx.role ?? "anonymous"} callers only for themselves ` +
          `(the owner or customer it names must be their own user id)`
        : `Not allowed: ${field} is not available to ${ctx.role ?? "anonymous"} callers here`;
      return new GraphQLError(message, { extensions: { code: "FORBIDDEN" } });
    },
  },
});

/** The Query type as a field type, for `atPosition`, which answers the same queries later. */
export const QueryRef = builder.queryType({
  description: "Reads. Every query is answered from the Redis read models (except the admin `debugReplay`).",
});
builder.mutationType({ description: "Commands. Each appends events to the event store." });
builder.subscriptionType({ description: "Live views: the current view first, then every change." });

/** Whether `scope` is among the scopes whose check failed (anywhere in an any/all tree). */
function failedScope(failure: AuthFailure, scope: string): boolean {
  if (failure.kind === AuthScopeFailureType.AuthScope) return failure.scope === scope;
  if (
    failure.kind === AuthScopeFailureType.AnyAuthScopes ||
    failure.kind === AuthScopeFailureType.AllAuthScopes
  ) {
    return failure.failures.some((inner) => failedScope(inner, scope));
  }
  return false;
}
