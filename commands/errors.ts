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
