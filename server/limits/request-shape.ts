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
          if (!Array.isArray(requestParserResult)) return;
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
