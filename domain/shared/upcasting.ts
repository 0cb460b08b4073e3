import type { DomainEvent } from "./decider";

/**
 * Event versioning. A stored event keeps the shape it was written with forever (events are facts),
 * so when an event's shape changes its schema version goes up and a pure upcaster lifts older data
 * one version at a time. Deciders and projectors then only ever see today's shape.
 */

/** An event as it sits in the store (the domain's view of eventstore's RecordedEvent). */
export interface StoredEvent {
  readonly type: string;
  readonly data: unknown;
  readonly schemaVersion: number;
}

export type EventData = Record<string, unknown>;

/** Lifts the data of version n to version n + 1. */
export type UpcastStep = (data: EventData) => EventData;

export interface EventSchema {
  /** The version written today. */
  readonly version: number;
  /** `upcasters[n]` lifts version n to n + 1; one entry per version below `version`. */
  readonly upcasters?: Readonly<Record<number, UpcastStep>>;
}

/** One schema per event type of a context: adding an event type without one fails to compile. */
export type EventSchemas<E extends DomainEvent> = { readonly [T in E["type"]]: EventSchema };

/**
 * The upcasters of a context: an entry is required for every event type with more than one
 * published version (`upcasters[n]` lifts version n to n + 1; the contract tests check that every
 * version below the current one has its step).
 */
export type Upcasters<V extends { readonly [type: string]: readonly unknown[] }> = {
  readonly [T in keyof V as V[T] extends readonly [unknown] ? never : T]-?: Readonly<
    Record<number, UpcastStep>
  >;
};

/**
 * A context's EventSchemas from its published versions (events.ts: `[v1, v2, ...]` per type, the
 * last one current) and its upcasters: the version written today is the number of versions.
 */
export function versioned<V extends { readonly [type: string]: readonly unknown[] }>(
  versions: V,
  upcasters: Upcasters<V>,
): { readonly [T in keyof V]: EventSchema } {
  const steps = upcasters as Readonly<Record<string, Readonly<Record<number, UpcastStep>> | undefined>>;
  return Object.fromEntries(
    Object.entries(versions).map(([type, list]) => {
      const lift = steps[type];
      return [type, lift ? { version: list.length, upcasters: lift } : { version: list.length }];
    }),
  ) as { readonly [T in keyof V]: EventSchema };
}

/**
 * A stored event this code cannot read: an unknown type, or a version newer than the code (written
 * by a later release). Refusing beats folding a shape we do not understand into state.
 */
export class UnreadableEvent extends Error {
  readonly code = "UNREADABLE_EVENT";
  constructor(
    readonly type: string,
    readonly schemaVersion: number,
    reason: string,
  ) {
    super(`Cannot read ${type} v${schemaVersion}: ${reason}`);
    this.name = "UnreadableEvent";
  }
}

function schemaOf<E extends DomainEvent>(schemas: EventSchemas<E>, type: string): EventSchema {
  if (!Object.hasOwn(schemas, type)) throw new UnreadableEvent(type, 0, "unknown event type");
  return schemas[type as E["type"]];
}

/** The schema version new events of this type are written with. */
export function currentVersion<E extends DomainEvent>(schemas: EventSchemas<E>, type: E["type"]): number {
  return schemaOf(schemas, type).version;
}

/** The data of the event of type T. */
export type DataOf<E extends DomainEvent, T extends E["type"]> = Extract<E, { type: T }>["data"];

/** Lifts stored data of any known version to today's shape. */
export function upcast<E extends DomainEvent, T extends E["type"]>(
  schemas: EventSchemas<E>,
  type: T,
  data: unknown,
  schemaVersion: number,
): DataOf<E, T> {
  const schema = schemaOf(schemas, type);
  checkReadable(type, schemaVersion, schema.version);
  return liftData(
    type,
    data,
    schemaVersion,
    schema.version,
    (version) => schema.upcasters?.[version],
  ) as DataOf<E, T>;
}

/** Refuses a version this code cannot read: not a whole number from 1 to `current`. */
export function checkReadable(type: string, schemaVersion: number, current: number): void {
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > current) {
    throw new UnreadableEvent(type, schemaVersion, `this code reads versions 1 to ${current}`);
  }
}

/**
 * Lifts readable data from `schemaVersion` to `current` one step at a time; `stepFrom(v)` is the
 * v → v+1 upcaster. A missing step is refused rather than skipped.
 */
export function liftData(
  type: string,
  data: unknown,
  schemaVersion: number,
  current: number,
  stepFrom: (version: number) => UpcastStep | undefined,
): EventData {
  let lifted = data as EventData;
  for (let version = schemaVersion; version < current; version++) {
    const step = stepFrom(version);
    if (!step) throw new UnreadableEvent(type, schemaVersion, `no upcaster from v${version}`);
    lifted = step(lifted);
  }
  return lifted;
}

/** A stored event in today's shape. */
export function fromStored<E extends DomainEvent>(schemas: EventSchemas<E>, stored: StoredEvent): E {
  const type = stored.type as E["type"];
  return { type, data: upcast(schemas, type, stored.data, stored.schemaVersion) } as E;
}
