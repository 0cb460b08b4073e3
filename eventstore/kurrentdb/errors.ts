import { ErrorType, type AppendStreamState, type CurrentStreamState } from "@kurrent/kurrentdb-client";
import {
  ConsumerGroupNotFound,
  EventStoreUnavailable,
  WrongExpectedRevision,
  type ExpectedRevision,
} from "../port";
import { actualRevision, fromStreamState } from "./revisions";

/**
 * A group's filter asked to select more than its subscription was created with. KurrentDB filters
 * a persistent subscription on the server and cannot change that filter afterwards, so the wider
 * filter would silently deliver less than asked; it is refused instead. Deleting the group (its
 * parked events go with it) or giving the consumer a new group name lets it start over.
 */
export class ConsumerGroupFilterFixed extends Error {
  readonly code = "CONSUMER_GROUP_FILTER_FIXED";
  constructor(readonly group: string) {
    super(
      `Consumer group ${group}: KurrentDB cannot widen the filter a persistent subscription was created ` +
        "with; delete the group or use a new name",
    );
    this.name = "ConsumerGroupFilterFixed";
  }
}

/**
 * gRPC statuses that say "not now" rather than "no": UNAVAILABLE (no connection, node restarting),
 * DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED. The client raises most as typed errors, but calls
 * that fail before they reach the server (discovery, capability probing) surface as plain gRPC
 * errors with only the numeric code.
 */
const TRANSIENT_GRPC_CODES = new Set([4, 8, 10, 14]);

const TRANSIENT_TYPES = new Set<string>([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.NOT_LEADER,
]);

interface ErrorFields {
  readonly type?: unknown;
  readonly code?: unknown;
  readonly name?: unknown;
}

function fields(error: unknown): ErrorFields {
  return typeof error === "object" && error !== null ? (error as ErrorFields) : {};
}

/** A lost or refused connection, a timeout, a leader change: worth retrying, never a verdict. */
export function isTransient(error: unknown): boolean {
  if (error instanceof EventStoreUnavailable) return true;
  const { type, code, name } = fields(error);
  if (typeof type === "string" && TRANSIENT_TYPES.has(type)) return true;
  if (typeof code === "number" && TRANSIENT_GRPC_CODES.has(code)) return true;
  // Errors of the native read bridge carry only a name.
  return name === "UnavailableError" || name === "DeadlineExceededError" || name === "NotLeaderError";
}

export function isWrongExpectedVersion(error: unknown): boolean {
  return fields(error).type === ErrorType.WRONG_EXPECTED_VERSION;
}

/** The stream does not exist, or was deleted (soft-deleted streams read as "not found" too). */
export function isNoStream(error: unknown): boolean {
  const { type, name } = fields(error);
  return (
    type === ErrorType.STREAM_NOT_FOUND ||
    type === ErrorType.STREAM_DELETED ||
    name === "StreamNotFoundError" ||
    name === "StreamDeletedError"
  );
}

export function isGroupMissing(error: unknown): boolean {
  return fields(error).type === ErrorType.PERSISTENT_SUBSCRIPTION_DOES_NOT_EXIST;
}

export function isGroupExisting(error: unknown): boolean {
  return fields(error).type === ErrorType.PERSISTENT_SUBSCRIPTION_EXISTS;
}

export interface ErrorContext {
  readonly streamId?: string;
  readonly expected?: ExpectedRevision;
  readonly group?: string;
}

/**
 * A client error in the port's terms: a concurrency conflict becomes WrongExpectedRevision, a
 * missing persistent subscription ConsumerGroupNotFound, anything transient EventStoreUnavailable
 * (the caller may retry; the gateway answers ServiceUnavailable). Other errors pass unchanged: they
 * are bugs or configuration problems (access denied, a malformed request) that retrying will not fix.
 */
export function translateError(error: unknown, context: ErrorContext = {}): unknown {
  if (error instanceof WrongExpectedRevision || error instanceof ConsumerGroupNotFound) return error;
  if (error instanceof EventStoreUnavailable) return error;
  if (isWrongExpectedVersion(error)) {
    const details = error as {
      streamName?: string;
      expectedState?: AppendStreamState;
      actualState?: CurrentStreamState;
    };
    const expected =
      context.expected ??
      (details.expectedState === undefined ? "any" : fromStreamState(details.expectedState));
    return new WrongExpectedRevision(
      context.streamId ?? details.streamName ?? "",
      expected,
      actualRevision(details.actualState),
    );
  }
  if (isGroupMissing(error)) {
    const group = context.group ?? (error as { groupName?: string }).groupName ?? "";
    return new ConsumerGroupNotFound(group);
  }
  if (isTransient(error)) return new EventStoreUnavailable(error);
  return error;
}
