/**
 * Domain errors are small typed classes with a stable code; the GraphQL layer maps each code to
 * a typed result a client can select on.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

/** Input that can never be valid (bad amount, unknown currency, empty name, ...). */
export class ValidationError extends DomainError {
  readonly code = "VALIDATION_ERROR";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "ValidationError";
  }
}
