import type { KurrentDBClient } from "@kurrent/kurrentdb-client";
import { isTransient, translateError, type ErrorContext } from "./errors";

/** Attempts of an idempotent call before a lost connection is reported; the waits double from this. */
const ATTEMPTS = 3;
const FIRST_WAIT_MS = 100;

/**
 * The client plus the one policy every call shares. Reads and administrative calls are idempotent,
 * so a connection lost under them is retried a few times (a leader election or a restart of the
 * node takes a moment) before the caller gets EventStoreUnavailable. Appends are not retried here:
 * their outcome is unknown after a lost connection, and the append path resolves that itself.
 */
export class KurrentIo {
  constructor(readonly client: KurrentDBClient) {}

  async retrying<T>(call: () => Promise<T>, context: ErrorContext = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isTransient(error) || attempt >= ATTEMPTS) throw translateError(error, context);
        await pause(FIRST_WAIT_MS * 2 ** (attempt - 1));
      }
    }
  }

  /** One attempt, errors in the port's terms. */
  async once<T>(call: () => Promise<T>, context: ErrorContext = {}): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateError(error, context);
    }
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
