import { mintToken } from "../auth/tokens";
import { loadConfig } from "../config";
import { roles, type Role } from "../../schema/context";
import { CommandFailed, parseCommandLine, runCommand, UsageError } from "./args";

const usage = `Usage: npm run token -- --role <${roles.join("|")}> --sub <user id> [--ttl 1h]

Mints an HS256 token the gateway accepts, signed with JWT_SECRET (or the development secret when
it is unset), with JWT_ISSUER / JWT_AUDIENCE like the service, and prints it on stdout.

  --role ROLE   ${roles.join(", ")}
  --sub ID      the user id (the token's subject)
  --ttl TIME    how long it is valid: 30s, 15m, 1h, 7d (default 1h)
  --help        this text

Use it as: curl -H "Authorization: Bearer $(npm run -s token -- --role admin --sub alice)" ...
Exit codes: 0 printed, 1 cannot sign here (JWT_JWKS_URL without JWT_SECRET), 2 wrong arguments.`;

/** `30s`, `15m`, `1h`, `7d` → seconds; null for anything else. */
function ttlSeconds(ttl: string): number | null {
  const match = /^(\d+)([smhd])$/.exec(ttl);
  if (!match) return null;
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as "s" | "m" | "h" | "d"];
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv, {
    role: { type: "string" },
    sub: { type: "string" },
    ttl: { type: "string" },
  });
  if (parsed === null) {
    console.log(usage);
    return 0;
  }
  const { role, sub, ttl: ttlText = "1h" } = parsed.values;
  if (role === undefined) throw new UsageError(`missing --role (${roles.join(", ")})`);
  if (!roles.includes(role as Role)) {
    throw new UsageError(`--role must be one of ${roles.join(", ")}; got "${role}"`);
  }
  if (sub === undefined || sub.trim() === "") throw new UsageError("missing --sub (the user id)");
  const ttl = ttlSeconds(ttlText);
  if (ttl === null || ttl <= 0) {
    throw new UsageError(`--ttl must be a positive duration like 30s, 15m, 1h or 7d; got "${ttlText}"`);
  }
  // Only the token settings matter here; a projector-only role skips the gateway's checks.
  const { auth } = loadConfig({ ...process.env, ROLE: "projector" });
  if (!auth.jwtSecret) {
    throw new CommandFailed(
      "JWT_JWKS_URL is set without JWT_SECRET: tokens come from your identity provider, not from here.",
    );
  }
  if (auth.usingDevSecret) {
    console.error(
      "note: signed with the public development secret (JWT_SECRET is unset); fine for local use only.",
    );
  }
  console.log(await mintToken(auth, { sub, role: role as Role, ttlSeconds: ttl }));
  return 0;
}

runCommand("token", main);
