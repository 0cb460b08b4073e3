import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { GraphQLError, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { LimitSettings } from "./settings";

/**
 * Turns armor's rejection ("Syntax Error: Query depth limit of 10 exceeded, found 51.") into an
 * error with a code a client can branch on, reported to validation rather than thrown, so the
 * request gets an ordinary GraphQL error answer on HTTP and WebSocket alike and nothing executes.
 */
function reject(code: string, what: string, limit: number) {
  return (context: ValidationContext | null, error: GraphQLError): void => {
    const message = `${error.message.replace(/^Syntax Error: /, "")} (${what}; limit ${limit})`;
    const refusal = new GraphQLError(message, { extensions: { code, limit } });
    // The token limit runs inside the parser, which has no validation context: throw there.
    if (context === null) throw refusal;
    context.reportError(refusal);
  };
}

/**
 * Depth, cost, alias, directive and token limits (graphql-armor), checked before execution, on
 * every operation: introspection included (armor skips `__schema` by default, so a hand-written
 * introspection query nested as deep as one likes was answered). The full introspection query
 * tools send (graphql-js's getIntrospectionQuery) is 21 deep by this count and costs ~87,000:
 * GraphiQL gets the schema with its page instead (server/app.ts), and other tools read the
 * published schema/schema.graphql or `npm run schema:print`.
 */
export function armorPlugin(limits: LimitSettings, hideSuggestions: boolean): Plugin {
  const reported = { propagateOnRejection: false } as const;
  return EnvelopArmorPlugin({
    maxDepth: {
      n: limits.maxDepth,
      ignoreIntrospection: false,
      onReject: [reject("DEPTH_LIMIT", "selections nested too deep", limits.maxDepth)],
      ...reported,
    },
    costLimit: {
      maxCost: limits.maxCost,
      ignoreIntrospection: false,
      onReject: [reject("COST_LIMIT", "estimated cost too high", limits.maxCost)],
      ...reported,
    },
    maxAliases: {
      n: limits.maxAliases,
      // Armor lets `__typename` aliases through; a thousand of them still amplify a response.
      allowList: [],
      onReject: [reject("ALIAS_LIMIT", "too many aliases", limits.maxAliases)],
      ...reported,
    },
    maxDirectives: {
      n: limits.maxDirectives,
      onReject: [reject("DIRECTIVE_LIMIT", "too many directives", limits.maxDirectives)],
      ...reported,
    },
    maxTokens: {
      n: limits.maxTokens,
      onReject: [reject("TOKEN_LIMIT", "document too long", limits.maxTokens)],
      ...reported,
    },
    // "Did you mean …" answers reveal field names; hide them when introspection is off.
    blockFieldSuggestion: { enabled: hideSuggestions },
  }) as Plugin;
}
