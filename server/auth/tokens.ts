import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  SignJWT,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from "jose";
import { roles, type AuthProblem, type Role } from "../../schema/context";
import type { AuthSettings } from "./settings";
import { cachedVerifier } from "./token-cache";

/** Who a verified token speaks for. */
export interface Principal {
  readonly userId: string;
  readonly role: Role;
  /** Expiry (seconds since the epoch), so a long-lived WebSocket can be closed when it passes. */
  readonly expiresAt: number | null;
}

/** Why a token was refused, in words a client developer can act on. */
export class TokenRejected extends Error {
  constructor(
    readonly reason: Exclude<AuthProblem["reason"], "unavailable">,
    message: string,
  ) {
    super(message);
    this.name = "TokenRejected";
  }
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/** Accepted signature algorithms: HS256 for the shared secret, asymmetric ones from a JWKS. */
const jwksAlgorithms = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"];

/**
 * Verifies signature, `exp`, `nbf`, issuer and audience with jose, then reads `sub` and `role`.
 * The JWKS is fetched lazily and cached by jose (re-fetched when a token names an unknown key).
 */
export function tokenVerifier(settings: AuthSettings): TokenVerifier {
  const options: JWTVerifyOptions = {
    algorithms: settings.jwksUrl ? jwksAlgorithms : ["HS256"],
    issuer: settings.issuer,
    audience: settings.audience,
    requiredClaims: ["sub", "exp"],
    clockTolerance: 5,
  };
  const verify = settings.jwksUrl
    ? verifyWith(createRemoteJWKSet(new URL(settings.jwksUrl), { cacheMaxAge: jwksCacheMaxAgeMs }), options)
    : verifyWith(new TextEncoder().encode(settings.jwtSecret ?? ""), options);
  const checked: TokenVerifier = async (token) => {
    let payload;
    try {
      payload = await verify(token);
    } catch (error) {
      throw rejection(error);
    }
    const role = payload.role;
    if (typeof role !== "string" || !roles.includes(role as Role)) {
      throw new TokenRejected(
        "invalid_claims",
        `The token's "role" claim must be one of ${roles.join(", ")}`,
      );
    }
    if (typeof payload.sub !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$/.test(payload.sub)) {
      throw new TokenRejected("invalid_claims", 'The token\'s "sub" claim is not a usable user id');
    }
    return { userId: payload.sub, role: role as Role, expiresAt: payload.exp ?? null };
  };
  // A secret changes only with a restart; a JWKS is re-read every jwksCacheMaxAgeMs, and a
  // verification is not trusted longer than the keys it was made with.
  return cachedVerifier(checked, { maxAgeMs: settings.jwksUrl ? jwksCacheMaxAgeMs : null });
}

/** How long the key set from JWKS_URL is kept before it is fetched again (jose's default too). */
const jwksCacheMaxAgeMs = 10 * 60 * 1000;

function verifyWith(key: Uint8Array | JWTVerifyGetKey, options: JWTVerifyOptions) {
  return async (token: string) =>
    (typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options))
      .payload;
}

/** jose's errors, translated; anything else (JWKS unreachable) is not the client's fault: rethrown. */
function rejection(error: unknown): Error {
  if (error instanceof errors.JWTExpired) {
    return new TokenRejected("expired", "The token has expired; get a new one");
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new TokenRejected("invalid_claims", `The token's "${error.claim}" claim is not accepted here`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejected(
      "invalid_signature",
      "The token's signature does not verify (altered or foreign)",
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new TokenRejected("unknown_key", "The token is signed with a key this service does not know");
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JOSENotSupported
  ) {
    return new TokenRejected("malformed", `The token is not a usable JWT: ${error.message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Signs an HS256 token the gateway accepts (development tokens, tests, `npm run token`). */
export async function mintToken(
  settings: Pick<AuthSettings, "jwtSecret" | "issuer" | "audience">,
  claims: { sub: string; role: Role; ttlSeconds?: number },
): Promise<string> {
  if (!settings.jwtSecret) throw new Error("minting needs JWT_SECRET (HS256); a JWKS only verifies");
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(settings.jwtSecret));
}
