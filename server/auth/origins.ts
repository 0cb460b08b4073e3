import type { AuthSettings } from "./settings";

const localHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether a WebSocket upgrade may proceed. Browsers always send `Origin` on a WebSocket and do
 * not apply CORS to it, so without this check any page a user visits could open a socket to the
 * API (cross-site WebSocket hijacking). Non-browser clients send no Origin and carry their own token.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  settings: Pick<AuthSettings, "allowedOrigins" | "production">,
): boolean {
  if (origin === undefined || origin === "") return true;
  if (settings.allowedOrigins) {
    return (
      settings.allowedOrigins.includes("*") || settings.allowedOrigins.includes(origin.replace(/\/$/, ""))
    );
  }
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (host !== undefined && url.host === host) return true;
  return !settings.production && localHosts.has(url.hostname);
}
