/** Limits against abuse; every default is in the README's configuration table. */
export interface LimitSettings {
  /** Request bodies above this many bytes are refused with 413 before anything parses them. */
  readonly maxBodyBytes: number;
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
  /** Operations in one batched HTTP request (a JSON array). */
  readonly maxBatch: number;
  /** Mutation fields (aliases count one each) a user may call per window; 0 turns the limit off. */
  readonly rateLimitMutations: number;
  readonly rateLimitWindowSeconds: number;
  /** JSON file mapping operation hashes to documents; when set, only those operations run. */
  readonly persistedOperationsFile: string | null;
}

export function loadLimitSettings(env: NodeJS.ProcessEnv, fail: (message: string) => never): LimitSettings {
  const count = (name: string, fallback: number, min = 1): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min)
      fail(`${name} must be a whole number ≥ ${min}; got "${raw}"`);
    return value;
  };
  return {
    maxBodyBytes: count("MAX_BODY_BYTES", 1_048_576, 1024),
    maxDepth: count("GRAPHQL_MAX_DEPTH", 10),
    maxCost: count("GRAPHQL_MAX_COST", 20_000),
    maxAliases: count("GRAPHQL_MAX_ALIASES", 15, 0),
    maxDirectives: count("GRAPHQL_MAX_DIRECTIVES", 10, 0),
    maxTokens: count("GRAPHQL_MAX_TOKENS", 5000, 100),
    maxBatch: count("GRAPHQL_MAX_BATCH", 10),
    rateLimitMutations: count("RATE_LIMIT_MUTATIONS", 120, 0),
    rateLimitWindowSeconds: count("RATE_LIMIT_WINDOW_SECONDS", 60),
    persistedOperationsFile: env.PERSISTED_OPERATIONS_FILE || null,
  };
}
