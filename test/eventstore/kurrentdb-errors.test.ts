import {
  AccessDeniedError,
  PersistentSubscriptionDoesNotExistError,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
} from "@kurrent/kurrentdb-client";
import { describe, expect, it } from "vitest";
import {
  isGroupExisting,
  isGroupMissing,
  isNoStream,
  isTransient,
  translateError,
} from "../../eventstore/kurrentdb/errors";
import { ConsumerGroupNotFound, EventStoreUnavailable, WrongExpectedRevision } from "../../eventstore/port";

/** Client errors in the port's terms (translateError), and which ones are worth a retry. */
describe("KurrentDB error translation", () => {
  it("a wrong expected version is WrongExpectedRevision, with the append's own expectation", () => {
    const conflict = new WrongExpectedVersionError(undefined, {
      streamName: "account-1",
      expected: 1n,
      current: 2n,
    });
    const translated = translateError(conflict, { streamId: "account-1", expected: 1 });
    expect(translated).toBeInstanceOf(WrongExpectedRevision);
    expect(translated).toMatchObject({ streamId: "account-1", expected: 1, actual: 2 });
  });

  it("reads the expectation from the error when the caller gives none, and a missing stream as no_stream", () => {
    const conflict = new WrongExpectedVersionError(undefined, {
      streamName: "account-2",
      expected: "stream_exists",
      current: "no_stream",
    });
    expect(translateError(conflict)).toMatchObject({
      name: "WrongExpectedRevision",
      streamId: "account-2",
      expected: "stream_exists",
      actual: "no_stream",
    });
  });

  it("a missing persistent subscription is ConsumerGroupNotFound for the group asked about", () => {
    const missing = new PersistentSubscriptionDoesNotExistError(undefined, {
      streamName: "$all",
      groupName: "projector-accounts",
    });
    expect(isGroupMissing(missing)).toBe(true);
    const translated = translateError(missing, { group: "projector-accounts" });
    expect(translated).toBeInstanceOf(ConsumerGroupNotFound);
    expect(translated).toMatchObject({ code: "CONSUMER_GROUP_NOT_FOUND", group: "projector-accounts" });
  });

  it("a lost connection, in any of its shapes, is EventStoreUnavailable", () => {
    const shapes: unknown[] = [
      new UnavailableError(),
      // Calls that fail during discovery surface as plain gRPC errors with a status code.
      Object.assign(new Error("14 UNAVAILABLE: No connection established"), { code: 14 }),
      Object.assign(new Error("4 DEADLINE_EXCEEDED"), { code: 4 }),
      // Reads go through a native bridge whose errors carry only a name.
      Object.assign(new Error("connection refused"), { name: "UnavailableError" }),
      { type: "not-leader" },
    ];
    for (const shape of shapes) {
      expect(isTransient(shape)).toBe(true);
      expect(translateError(shape)).toBeInstanceOf(EventStoreUnavailable);
    }
    const translated = translateError(shapes[1]) as EventStoreUnavailable;
    expect(translated.cause).toBe(shapes[1]);
  });

  it("leaves verdicts and configuration problems as they are: retrying would not help", () => {
    const denied = new AccessDeniedError();
    expect(isTransient(denied)).toBe(false);
    expect(translateError(denied)).toBe(denied);
    const bug = new TypeError("oops");
    expect(translateError(bug)).toBe(bug);
    const already = new WrongExpectedRevision("s", 0, 1);
    expect(translateError(already)).toBe(already);
  });

  it("tells a missing or deleted stream, and an existing group, apart from other errors", () => {
    expect(isNoStream(new StreamNotFoundError(undefined, "account-9"))).toBe(true);
    expect(isNoStream(Object.assign(new Error("gone"), { name: "StreamDeletedError" }))).toBe(true);
    expect(isNoStream(new UnavailableError())).toBe(false);
    expect(isGroupExisting({ type: "persistent-subscription-exists" })).toBe(true);
    expect(isGroupExisting(new UnavailableError())).toBe(false);
  });
});
