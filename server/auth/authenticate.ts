import type { AuthProblem, Role } from "../../schema/context";
import { TokenRejected, type TokenVerifier } from "./tokens";

/** What authentication adds to a request's context: a user, a refusal, or nothing (anonymous). */
export type Authentication =
  | { readonly userId: string; readonly role: Role; readonly expiresAt: number | null }
  | { readonly authProblem: AuthProblem }
  | Record<string, never>;

/**
 * Reads `Authorization: Bearer <jwt>` (HTTP, SSE, and WebSocket connection parameters copied
 * into the same header) and verifies it. Never throws: a refusal is data the auth plugin turns
 * into an UNAUTHENTICATED error before anything executes.
 */
export async function authenticate(header: string | null, verify: TokenVerifier): Promise<Authentication> {
  if (header === null || header.trim() === "") return {};
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    return {
      authProblem: {
        reason: "malformed",
        message: 'The authorization header must read "Bearer <token>"',
      },
    };
  }
  try {
    const principal = await verify(match[1]!);
    return { userId: principal.userId, role: principal.role, expiresAt: principal.expiresAt };
  } catch (error) {
    if (error instanceof TokenRejected)
      return { authProblem: { reason: error.reason, message: error.message } };
    return {
      authProblem: {
        reason: "unavailable",
        message: "Tokens cannot be checked right now (identity provider unreachable); retry shortly",
        cause: error,
      },
    };
  }
}
