import type { ConsumerStrategy, PersistentSubscriptionToAllSettings } from "@kurrent/kurrentdb-client";
import { defaultConsumerGroupSettings, type ConsumerGroupSettings, type EventFilter } from "../port";
import { fromClientPosition, toClientStartFrom } from "./positions";

/**
 * Settings a consumer group has on KurrentDB beyond the port's: how the server checkpoints and
 * which consumer strategy it uses. The defaults suit one active consumer per group (the lease,
 * see subscription.ts).
 */
export interface NativeGroupOptions {
  /**
   * "DispatchToSingle" (default): every event to one consumer, the next only when its buffer is
   * full. With the lease there is one consumer, and this strategy keeps log order to it. "Pinned"
   * sends each stream to one consumer (per-stream order across several consumers, none across
   * streams); "RoundRobin" keeps no order at all. See the README on ordering.
   */
  readonly consumerStrategy: ConsumerStrategy;
  /** How often the server writes its own checkpoint (the point it resumes from after a restart). */
  readonly checkpointAfterMs: number;
}

export const defaultNativeGroupOptions: NativeGroupOptions = {
  consumerStrategy: "DispatchToSingle",
  checkpointAfterMs: 1_000,
};

/** The server refuses a read batch as large as its history buffer; it also caps both. */
const MIN_BUFFER = 500;

/** Port settings → the client's settings for createPersistentSubscriptionToAll / update. */
export function toNativeSettings(
  settings: ConsumerGroupSettings,
  options: NativeGroupOptions = defaultNativeGroupOptions,
): PersistentSubscriptionToAllSettings {
  const readBatchSize = settings.batchSize;
  const buffer = Math.max(MIN_BUFFER, readBatchSize * 2);
  return {
    startFrom: toClientStartFrom(settings.startFrom),
    resolveLinkTos: false,
    extraStatistics: false,
    messageTimeout: settings.messageTimeoutMs,
    // Same count as the port's: deliveries after the first before the server parks an event.
    maxRetryCount: settings.maxRetryCount,
    // At most one server checkpoint per interval, at least one per batch worth of events. The
    // port's checkpoint is this adapter's (group-state.ts); the server's only says where a
    // reloaded subscription resumes, and a lagging one only means duplicates, which are guarded.
    checkPointAfter: options.checkpointAfterMs,
    checkPointLowerBound: 1,
    checkPointUpperBound: Math.max(1, readBatchSize),
    maxSubscriberCount: "unbounded",
    readBatchSize,
    historyBufferSize: buffer,
    liveBufferSize: buffer,
    consumerStrategyName: options.consumerStrategy,
  };
}

/**
 * The server's settings for an existing subscription to take `settings`, or null when it has them
 * already (an update reloads the subscription and drops its connections, so it is only sent for a
 * change). The start stays the server's own: an update that moved it would move where a
 * subscription without a checkpoint of its own begins.
 */
export function nativeUpdate(
  current: PersistentSubscriptionToAllSettings,
  settings: ConsumerGroupSettings,
  options: NativeGroupOptions = defaultNativeGroupOptions,
): PersistentSubscriptionToAllSettings | null {
  const wanted = toNativeSettings(settings, options);
  const next = { ...wanted, startFrom: current.startFrom ?? wanted.startFrom };
  const keys = Object.keys(wanted) as (keyof PersistentSubscriptionToAllSettings)[];
  return keys.every((key) => key === "startFrom" || current[key] === next[key]) ? null : next;
}

/**
 * The port's settings of a group this adapter did not create (made with another tool): what the
 * server knows, the port's defaults for the rest (its filter cannot be read back).
 */
export function fromNativeSettings(native: PersistentSubscriptionToAllSettings): ConsumerGroupSettings {
  const start = native.startFrom;
  return {
    ...defaultConsumerGroupSettings,
    startFrom: typeof start === "string" ? start : (fromClientPosition(start) ?? "start"),
    batchSize: native.readBatchSize,
    maxRetryCount: native.maxRetryCount,
    messageTimeoutMs: native.messageTimeout,
  };
}

/** The port's rules for settings, the same as the PostgreSQL adapter's. */
export function validSettings(partial: Partial<ConsumerGroupSettings>): ConsumerGroupSettings {
  const settings = { ...defaultConsumerGroupSettings, ...partial };
  for (const field of ["batchSize", "messageTimeoutMs", "leaseTimeoutMs"] as const) {
    if (!(Number.isInteger(settings[field]) && settings[field] > 0)) {
      throw new RangeError(`Consumer group setting ${field} must be a positive integer`);
    }
  }
  if (!(Number.isInteger(settings.maxRetryCount) && settings.maxRetryCount >= 0)) {
    throw new RangeError("Consumer group setting maxRetryCount must be a non-negative integer");
  }
  return settings;
}

export interface FilterJson {
  streamPrefixes?: string[];
  eventTypes?: string[];
}

/** Settings as stored in JSON: a position's bigints become decimal strings. */
export interface SettingsJson {
  startFrom: "start" | "end" | { commit: string; prepare: string };
  filter?: FilterJson;
  batchSize: number;
  maxRetryCount: number;
  messageTimeoutMs: number;
  leaseTimeoutMs: number;
}

export function settingsToJson(settings: ConsumerGroupSettings): SettingsJson {
  const { startFrom, filter } = settings;
  return {
    startFrom:
      typeof startFrom === "string"
        ? startFrom
        : { commit: startFrom.commit.toString(), prepare: startFrom.prepare.toString() },
    ...(filter && { filter: filterToJson(filter) }),
    batchSize: settings.batchSize,
    maxRetryCount: settings.maxRetryCount,
    messageTimeoutMs: settings.messageTimeoutMs,
    leaseTimeoutMs: settings.leaseTimeoutMs,
  };
}

export function settingsFromJson(json: SettingsJson): ConsumerGroupSettings {
  const { startFrom } = json;
  return {
    ...defaultConsumerGroupSettings,
    ...json,
    startFrom:
      typeof startFrom === "string"
        ? startFrom
        : { commit: BigInt(startFrom.commit), prepare: BigInt(startFrom.prepare) },
  };
}

export function filterToJson(filter: EventFilter): FilterJson {
  return {
    ...(filter.streamPrefixes && { streamPrefixes: [...filter.streamPrefixes] }),
    ...(filter.eventTypes && { eventTypes: [...filter.eventTypes] }),
  };
}
