/** How the gateway authenticates requests and what it shows to whom (README: API security). */
export interface AuthSettings {
  readonly production: boolean;
  /** HS256 shared secret; null when only a JWKS address is configured. */
  readonly jwtSecret: string | null;
  /** True when no secret and no JWKS were configured and the development secret is in use. */
  readonly usingDevSecret: boolean;
  /** Address of the identity provider's JSON Web Key Set (production). */
  readonly jwksUrl: string | null;
  readonly issuer: string;
  readonly audience: string;
  /** Introspection (and anonymous access to it): on in development, off in production unless asked. */
  readonly introspection: boolean;
  /** Origins a browser WebSocket may come from; null means "same host" (plus localhost outside production). */
  readonly allowedOrigins: readonly string[] | null;
}

/**
 * Development only: anyone can read it here, so tokens signed with it prove nothing. The gateway
 * logs a loud warning when it is in use and refuses to start with it in production.
 */
export const developmentSecret = "ledgerline-development-secret-not-for-production-use";

/** `fail` raises the configuration error (server/config.ts owns its type). */
export function loadAuthSettings(
  env: NodeJS.ProcessEnv,
  servesApi: boolean,
  fail: (message: string) => never,
): AuthSettings {
  const production = env.NODE_ENV === "production";
  const jwtSecret = env.JWT_SECRET || null;
  const jwksUrl = env.JWT_JWKS_URL || null;
  if (production && servesApi && !jwtSecret && !jwksUrl) {
    fail(
      "NODE_ENV=production needs JWT_SECRET (HS256) or JWT_JWKS_URL (your identity provider's key set); " +
        "the development secret is public and is never accepted in production",
    );
  }
  if (jwtSecret !== null && Buffer.byteLength(jwtSecret) < 32) {
    fail("JWT_SECRET must be at least 32 bytes (HS256 needs a key as long as its hash)");
  }
  if (jwksUrl !== null && !/^https?:\/\//.test(jwksUrl)) {
    fail(`JWT_JWKS_URL must be an http(s) address; got "${jwksUrl}"`);
  }
  const introspection = (env.GRAPHQL_INTROSPECTION ?? (production ? "false" : "true")) === "true";
  const origins = (env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim().replace(/\/$/, ""))
    .filter((origin) => origin.length > 0);
  return {
    production,
    jwtSecret: jwtSecret ?? (jwksUrl ? null : developmentSecret),
    usingDevSecret: !jwtSecret && !jwksUrl,
    jwksUrl,
    issuer: env.JWT_ISSUER ?? "ledgerline",
    audience: env.JWT_AUDIENCE ?? "ledgerline-api",
    introspection,
    allowedOrigins: origins.length > 0 ? origins : null,
  };
}
