import { randomBytes } from "node:crypto";

/** The URL schemes that select this adapter; `esdb` is EventStoreDB's, KurrentDB's former name. */
export const KURRENTDB_SCHEMES = ["kurrentdb", "kurrentdb+discover", "esdb", "esdb+discover"] as const;

/**
 * The connection string handed to the client. `esdb://` is rewritten to `kurrentdb://` (the client
 * still takes it, with a deprecation warning on every start). A `connectionName` unique to this
 * process is set, since the lease (lease.ts) tells consumer processes apart by the connection
 * names the server lists on a group; a name given in the URL is kept as its prefix.
 */
export function clientConnectionString(
  url: string,
  unique = randomBytes(6).toString("hex"),
): {
  connectionString: string;
  connectionName: string;
} {
  const rewritten = url
    .trim()
    .replace(/^esdb(\+discover)?:\/\//i, (_, discover?: string) => `kurrentdb${discover ?? ""}://`);
  const queryAt = rewritten.indexOf("?");
  const base = queryAt === -1 ? rewritten : rewritten.slice(0, queryAt);
  const params =
    queryAt === -1
      ? []
      : rewritten
          .slice(queryAt + 1)
          .split("&")
          .filter(Boolean);
  const given = params.find((param) => /^connectionname=/i.test(param));
  const prefix = given ? decodeURIComponent(given.slice(given.indexOf("=") + 1)) : "ledgerline";
  const connectionName = `${prefix}-${unique}`;
  const kept = params.filter((param) => param !== given);
  kept.push(`connectionName=${encodeURIComponent(connectionName)}`);
  return { connectionString: `${base.replace(/\/+$/, "")}?${kept.join("&")}`, connectionName };
}
