import { createServer } from "node:net";

/**
 * The gateway could not take its address. The message is one line, for the operator: which
 * address, why (as far as the error code tells) and what to set.
 */
export class ListenFailed extends Error {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const at = `${host}:${port}`;
    const reasons: Record<string, string> = {
      EADDRINUSE:
        `another process listens there (another Ledgerline?). Stop it, or set PORT to a free port ` +
        `(PORT=0 takes any free one)`,
      EACCES: `not permitted (ports below 1024 need privileges). Set PORT to 1024 or above`,
      EADDRNOTAVAIL: `${host} is not an address of this machine. Set HOST (127.0.0.1, or 0.0.0.0 for every interface)`,
    };
    const reason = (cause.code ? reasons[cause.code] : undefined) ?? `${cause.message}. Check HOST and PORT`;
    super(`Cannot listen on ${at}: ${reason}.`, { cause });
    this.name = "ListenFailed";
  }
}

/**
 * Whether the gateway's address can be taken, tried before anything else starts: a second
 * `npm start` on a port in use then ends at once, before it starts a Redis, creates or opens a
 * store or writes sample data. The listen itself still reports what changes in between.
 */
export async function addressTaken(host: string, port: number): Promise<ListenFailed | null> {
  if (port === 0) return null;
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(new ListenFailed(host, port, error)));
    probe.listen(port, host, () => probe.close(() => resolve(null)));
  });
}
