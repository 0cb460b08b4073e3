import type { Principal, TokenVerifier } from "./tokens";

export interface TokenCacheOptions {
  /** Most tokens remembered; the oldest is forgotten first. */
  readonly maxEntries?: number;
  /**
   * Longest a verification is trusted, whatever the token's expiry: with keys from a JWKS, no
   * longer than the key set itself is cached, so a key taken out of it stops working here as soon
   * as it would without this cache.
   */
  readonly maxAgeMs?: number | null;
  readonly now?: () => number;
}

/**
 * Verifies each token once, not on every request: a client sends the same bearer token many
 * times, and checking its signature (an HMAC, or RSA/EC with a JWKS) was the largest part of a
 * small query's cost. A verified token is remembered, by its exact text, until it expires (its
 * `exp`, without the clock tolerance the verifier allows) or `maxAgeMs` passes; any other text,
 * an altered token included, goes to the verifier. Refusals are never remembered.
 */
export function cachedVerifier(verify: TokenVerifier, options: TokenCacheOptions = {}): TokenVerifier {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxAgeMs = options.maxAgeMs ?? null;
  const now = options.now ?? Date.now;
  const verified = new Map<string, { principal: Principal; until: number }>();
  return async (token) => {
    const at = now();
    const known = verified.get(token);
    if (known && at < known.until) return known.principal;
    if (known) verified.delete(token);
    const principal = await verify(token);
    const expires = principal.expiresAt !== null ? principal.expiresAt * 1000 : Number.POSITIVE_INFINITY;
    const until = Math.min(expires, maxAgeMs !== null ? at + maxAgeMs : Number.POSITIVE_INFINITY);
    if (until > at) {
      if (verified.size >= maxEntries) verified.delete(verified.keys().next().value!);
      verified.set(token, { principal, until });
    }
    return principal;
  };
}
