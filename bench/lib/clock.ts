/**
 * Monotonic milliseconds (CLOCK_MONOTONIC on Linux), comparable across processes on one machine,
 * so a time taken in the load-driver process can be compared with one taken here.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class Aborted extends Error {
  constructor() {
    super("benchmark stopped");
    this.name = "Aborted";
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Aborted();
}

/** Sleeps, waking early (with Aborted) when the run is stopped. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Polls `done` every `everyMs` until it holds, or fails after `timeoutMs`. */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  what: string,
  options: { timeoutMs?: number; everyMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = nowMs() + (options.timeoutMs ?? 30_000);
  while (!(await done())) {
    if (nowMs() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(options.everyMs ?? 5, options.signal);
  }
}
