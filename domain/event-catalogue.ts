import { accountEventContracts } from "./banking/contracts";
import { productEventContracts } from "./catalog/contracts";
import { orderEventContracts } from "./ordering/contracts";
import {
  contractProblems,
  EventContractViolation,
  schemaIdOf,
  type AggregateStreams,
  type ContractProblem,
  type EventContract,
} from "./shared/contracts";
import { checkReadable, liftData, UnreadableEvent } from "./shared/upcasting";
import { transferEventContracts } from "./transfers/contracts";

/**
 * Every event this service writes, in every version ever published: the one source the published
 * schemas (schema/events/), the event catalogue (docs/events.md), the check at append and the
 * reading of stored events all come from. A context adds its events here with one line.
 */
export const eventCatalogue: readonly EventContract[] = [
  ...accountEventContracts,
  ...productEventContracts,
  ...orderEventContracts,
  ...transferEventContracts,
];

const byType = new Map(eventCatalogue.map((contract) => [contract.type, contract]));

/** The aggregates whose streams hold catalogued events, longest prefix first. */
const aggregates: readonly AggregateStreams[] = [
  ...new Map(
    eventCatalogue.map((contract) => [contract.streamPrefix, contract as AggregateStreams]),
  ).values(),
].sort((a, b) => b.streamPrefix.length - a.streamPrefix.length);

export function contractOf(type: string): EventContract | undefined {
  return byType.get(type);
}

/** The aggregate a stream belongs to, by its prefix (`order-o-1` → order), if any. */
export function aggregateOfStream(streamId: string): AggregateStreams | undefined {
  return aggregates.find((aggregate) => streamId.startsWith(aggregate.streamPrefix));
}

/** An event about to be appended, as the event store port hands it over. */
export interface EventToCheck {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

/**
 * The check at the door: `event`, about to be appended to `streamId`, must be an event of that
 * stream's aggregate, in a published version, whose data fits that version's schema and names the
 * stream's entity. Answers the schema id the stored envelope carries; throws
 * EventContractViolation (naming the field) otherwise. The event store port runs it for every
 * event of an append before anything is written (eventstore/contracts.ts).
 */
export function checkEvent(streamId: string, event: EventToCheck): string {
  const refuse = (problems: ContractProblem[]): never => {
    throw new EventContractViolation(streamId, event.type, event.schemaVersion, problems);
  };
  const aggregate = aggregateOfStream(streamId);
  if (!aggregate) {
    const known = aggregates.map((a) => `${a.streamPrefix}<id>`).join(", ");
    return refuse([
      { field: "streamId", problem: `"${streamId}" is not a stream of any aggregate (${known})` },
    ]);
  }
  const contract = contractOf(event.type);
  if (!contract || contract.aggregate !== aggregate.aggregate) {
    const types = eventCatalogue.filter((c) => c.aggregate === aggregate.aggregate).map((c) => c.type);
    return refuse([
      {
        field: "type",
        problem: `"${event.type}" has no published schema for ${aggregate.aggregate} streams (their events: ${types.join(", ")})`,
      },
    ]);
  }
  const version = contract.versions[event.schemaVersion - 1];
  if (!version || !Number.isInteger(event.schemaVersion)) {
    return refuse([
      {
        field: "schemaVersion",
        problem: `${event.schemaVersion} is not a published version of ${event.type} (1 to ${contract.versions.length})`,
      },
    ]);
  }
  const problems = contractProblems(version.schema, event.data);
  if (problems.length > 0) return refuse(problems);
  const entity = (event.data as Record<string, unknown>)[contract.idField];
  const expected = streamId.slice(aggregate.streamPrefix.length);
  if (entity !== expected) {
    refuse([
      { field: contract.idField, problem: `is ${JSON.stringify(entity)}, but the stream is ${streamId}` },
    ]);
  }
  return version.schemaId;
}

/** The check at the door in the shape the event store port takes (eventstore/contracts.ts). */
export const eventContracts = { check: checkEvent };

/** A stored event as a reader gets it: envelope and data as written. */
export interface StoredEnvelope {
  readonly streamId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata?: { readonly [key: string]: unknown };
}

/**
 * A stored event in today's shape: its data lifted to the current version of its type, the same
 * envelope otherwise. An event of an aggregate's stream that this code cannot read (a type the
 * aggregate does not emit, a version below 1 or newer than the code, an envelope naming another
 * schema) is refused with UnreadableEvent, never read as something it is not: a projector that
 * meets one retries, then parks it with the reason. Events of other streams pass as they are.
 */
export function readEvent<E extends StoredEnvelope>(stored: E): E {
  const aggregate = aggregateOfStream(stored.streamId);
  if (!aggregate) return stored;
  const contract = contractOf(stored.type);
  if (!contract || contract.aggregate !== aggregate.aggregate) {
    throw new UnreadableEvent(
      stored.type,
      stored.schemaVersion,
      `not an event of ${aggregate.aggregate} streams (unknown event type)`,
    );
  }
  const current = contract.versions.length;
  checkReadable(stored.type, stored.schemaVersion, current);
  const named = stored.metadata?.schemaId;
  if (named !== undefined && named !== schemaIdOf(stored.type, stored.schemaVersion)) {
    throw new UnreadableEvent(
      stored.type,
      stored.schemaVersion,
      `its envelope names schema ${String(named)}`,
    );
  }
  if (stored.schemaVersion === current) return stored;
  const data = liftData(
    stored.type,
    stored.data,
    stored.schemaVersion,
    current,
    (version) => contract.versions[version - 1]?.upcaster,
  );
  return { ...stored, data, schemaVersion: current };
}
