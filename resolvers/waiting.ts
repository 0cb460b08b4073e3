import { GraphQLError } from "graphql";

/** Upper bound of every read-your-writes wait: a request never holds the gateway longer. */
export const maxWaitMs = 30_000;

export function timeoutArg(value: number | null | undefined): number {
  const ms = value ?? 5000;
  if (!Number.isInteger(ms) || ms < 0 || ms > maxWaitMs) {
    throw new GraphQLError(`"timeoutMs" must be between 0 and ${maxWaitMs}`, {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  return ms;
}

/**
 * Polls `check` until it gives a value or `timeoutMs` passes (then `onTimeout`'s error). Backs off
 * from 5 ms to 100 ms: a projector usually settles a fresh write within a few milliseconds, and a
 * slow one should not cost a Redis round trip every few milliseconds per waiting request.
 */
export async function waitFor<T>(
  check: () => Promise<T | null>,
  timeoutMs: number,
  onTimeout: () => GraphQLError,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let pause = 5;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw onTimeout();
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(pause * 2, 100);
  }
}
