import { mintToken } from "../auth/tokens";
import { loadConfig } from "../config";
import { roles, type Role } from "../../schema/context";

const usage = `Usage: npm run token -- --role <${roles.join("|")}> --sub <user id> [--ttl 1h]

Mints an HS256 token the gateway accepts, signed with JWT_SECRET (or the development secret when
it is unset), with JWT_ISSUER / JWT_AUDIENCE like the service. --ttl: 30s, 15m, 1h, 7d (default 1h).
Use it as: curl -H "Authorization: Bearer <token>" ...`;

function seconds(ttl: string): number | null {
  const match = /^(\d+)([smhd])$/.exec(ttl);
  if (!match) return null;
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as "s" | "m" | "h" | "d"];
}

function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
}

async function main(argv: readonly string[]): Promise<number> {
  const role = option(argv, "role");
  const sub = option(argv, "sub");
  const ttl = seconds(option(argv, "ttl") ?? "1h");
  if (!role || !roles.includes(role as Role) || !sub || ttl === null || ttl <= 0) {
    console.error(usage);
    return 2;
  }
  // Only the token settings matter here; a projector-only role skips the gateway's checks.
  const { auth } = loadConfig({ ...process.env, ROLE: "projector" });
  if (!auth.jwtSecret) {
    console.error(
      "JWT_JWKS_URL is set without JWT_SECRET: tokens come from your identity provider, not from here.",
    );
    return 2;
  }
  if (auth.usingDevSecret) {
    console.error(
      "note: signed with the public development secret (JWT_SECRET is unset); fine for local use only.",
    );
  }
  console.log(await mintToken(auth, { sub, role: role as Role, ttlSeconds: ttl }));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
