import { readFileSync } from "node:fs";
import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/** Known operations: hash (or any id the client build assigned) → document text. */
export type PersistedOperations = ReadonlyMap<string, string>;

/** Reads PERSISTED_OPERATIONS_FILE at start; a bad file stops the start rather than opening the API. */
export function loadPersistedOperations(file: string): PersistedOperations {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`PERSISTED_OPERATIONS_FILE ${file} is not readable JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`PERSISTED_OPERATIONS_FILE ${file} must be a JSON object of hash → query`);
  }
  const operations = new Map<string, string>();
  for (const [hash, query] of Object.entries(parsed)) {
    if (typeof query !== "string")
      throw new Error(`PERSISTED_OPERATIONS_FILE: "${hash}" is not a query string`);
    operations.set(hash, query);
  }
  return operations;
}

const howTo =
  'send { "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "<hash>" } } } with a known hash';

const errors = {
  persistedOnly: () =>
    new GraphQLError(`This API only runs persisted operations: ${howTo}`, {
      extensions: { code: "PERSISTED_QUERY_ONLY", http: { status: 400 } },
    }),
  missingHash: () =>
    new GraphQLError(`No operation given: ${howTo}`, {
      extensions: { code: "PERSISTED_QUERY_ID_REQUIRED", http: { status: 400 } },
    }),
  unknown: (hash: string) =>
    new GraphQLError(`Unknown persisted operation "${hash.slice(0, 80)}"`, {
      extensions: { code: "PERSISTED_QUERY_NOT_FOUND", http: { status: 400 } },
    }),
};

/** HTTP: yoga's plugin, refusing any document that is not in the list. */
export function persistedOperationsPlugin(operations: PersistedOperations): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (hash) => operations.get(hash) ?? null,
    allowArbitraryOperations: false,
    customErrors: {
      persistedQueryOnly: () => errors.persistedOnly(),
      keyNotFound: () => errors.missingHash(),
      notFound: (payload) => errors.unknown(hashOf(payload.params.extensions) ?? ""),
    },
  });
}

/**
 * WebSocket: graphql-ws hands the payload straight to our envelop (yoga's request pipeline, where
 * the plugin above runs, is HTTP only), so the same rule is applied here.
 */
export function persistedQueryFor(
  operations: PersistedOperations,
  payload: { query?: unknown; extensions?: unknown },
): string | GraphQLError {
  if (typeof payload.query === "string" && payload.query !== "") return errors.persistedOnly();
  const hash = hashOf(payload.extensions);
  if (hash === null) return errors.missingHash();
  return operations.get(hash) ?? errors.unknown(hash);
}

function hashOf(extensions: unknown): string | null {
  const persisted = (extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | null)
    ?.persistedQuery;
  return persisted?.version === 1 && typeof persisted.sha256Hash === "string" ? persisted.sha256Hash : null;
}
