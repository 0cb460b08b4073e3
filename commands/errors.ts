/** Optimistic concurrency kept failing after the bounded number of re-load and re-decide rounds. */
export class ConcurrencyConflict extends Error {
  readonly code = "CONCURRENCY_CONFLICT";
  constructor(
    readonly streamId: string,
    readonly attempts: number,
  ) {
    super(`Stream ${streamId} kept changing; gave up after ${attempts} attempts. Retry the request.`);
    this.name = "ConcurrencyConflict";
  }
}

/** The same idempotency key was sent with a different request. */
export class IdempotencyKeyReused extends Error {
  readonly code = "IDEMPOTENCY_KEY_REUSED";
  constructor(readonly key: string) {
    super(`Idempotency key "${key}" was already used for a different request`);
    this.name = "IdempotencyKeyReused";
  }
}

/**
 * The command could not run now, for a reason that passes: the event store is unreachable, or a
 * view the command reads (the catalog, for prices) is still being built. Nothing was written;
 * the same request will succeed later. `retryAfterSeconds` says when it is worth trying again.
 */
export class ServiceUnavailable extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ServiceUnavailable";
  }
}
