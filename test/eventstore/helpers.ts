import { randomBytes, randomUUID } from "node:crypto";
import type {
  DeliveredEvent,
  EventLog,
  EventToAppend,
  JsonObject,
  PersistentSubscription,
} from "../../eventstore/port";

/** A stream id no other test uses, so tests can share one store. */
export function uniqueStream(prefix = "account"): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

export function anEvent(type = "MoneyDeposited", data: JsonObject = { amount: 100 }): EventToAppend {
  return { id: randomUUID(), type, data };
}

export function events(count: number, type = "MoneyDeposited"): EventToAppend[] {
  return Array.from({ length: count }, (_, i) => anEvent(type, { amount: i + 1 }));
}

/** Appends `count` events, one append each, and returns them as recorded. */
export async function appendOneByOne(log: EventLog, streamId: string, count: number, type?: string) {
  for (const event of events(count, type)) await log.appendToStream(streamId, [event]);
  return log.readStream(streamId);
}

export type BatchIterator = AsyncIterator<readonly DeliveredEvent[]>;

export function iterate(subscription: PersistentSubscription): BatchIterator {
  return subscription.batches()[Symbol.asyncIterator]();
}

/** The next batch; fails the test if the subscription ended instead. */
export async function nextBatch(iterator: BatchIterator): Promise<readonly DeliveredEvent[]> {
  const result = await iterator.next();
  if (result.done) throw new Error("the subscription ended");
  return result.value;
}

/** Resolves with "pending" if `promise` has not settled within `ms` (absence checks only). */
export async function stillPendingAfter<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), ms)));
  const winner = await Promise.race([promise, pending]);
  clearTimeout(timer);
  return winner;
}

/** Polls `check` until it returns true (bounded by the test's timeout). */
export async function eventually(check: () => Promise<boolean>, everyMs = 20): Promise<void> {
  while (!(await check())) await sleep(everyMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const idsOf = (recorded: readonly { id: string }[]) => recorded.map((event) => event.id);
