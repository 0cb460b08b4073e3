import { createGraphQLError, type Plugin } from "graphql-yoga";

/**
 * A JSON body is one GraphQL request (an object) or a batch of them (a non-empty array of
 * objects). Yoga refuses most other shapes with 400, but takes an array of anything as a batch and
 * answers each element 200 with an error; this makes every malformed body the same 400, before
 * anything is parsed or run.
 */
export function useRequestShape(): Plugin {
  return {
    onRequestParse() {
      return {
        onRequestParseDone({ requestParserResult }) {
          if (!Array.isArray(requestParserResult)) {
            if (!asksSomething(requestParserResult)) {
              // Yoga answers `{}` 200 with an error; every other malformed body is a 400.
              throw createGraphQLError(
                "A GraphQL request needs a query (or, with persisted operations, extensions.persistedQuery)",
                { extensions: { code: "BAD_REQUEST", http: { status: 400 } } },
              );
            }
            return;
          }
          const malformed =
            requestParserResult.length === 0 ||
            requestParserResult.some(
              (item) => typeof item !== "object" || item === null || Array.isArray(item),
            );
          if (malformed) {
            throw createGraphQLError("A batch must be a non-empty array of GraphQL request objects", {
              extensions: { code: "BAD_REQUEST", http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

/** Whether a request object names an operation: a query, or a persisted operation's hash. */
function asksSomething(request: unknown): boolean {
  if (typeof request !== "object" || request === null) return true; // yoga refuses these itself
  const { query, extensions } = request as { query?: unknown; extensions?: { persistedQuery?: unknown } };
  return (typeof query === "string" && query.length > 0) || extensions?.persistedQuery !== undefined;
}
