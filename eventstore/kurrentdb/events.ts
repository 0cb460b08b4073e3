import {
  jsonEvent,
  type EventData,
  type RecordedEvent as ClientRecordedEvent,
} from "@kurrent/kurrentdb-client";
import type { EventMetadata, EventToAppend, JsonObject, JsonValue, Position, RecordedEvent } from "../port";
import { fromClientPosition } from "./positions";
import { fromClientRevision } from "./revisions";

/**
 * Events as KurrentDB stores them: `data` is the JSON document, and the event's metadata document
 * carries the port's metadata unchanged plus keys of the store's own, which all begin with "$"
 * (KurrentDB's convention for reserved metadata):
 *
 * - `$schemaVersion`: the port's schemaVersion (omitted for 1, the default).
 * - `$correlationId` / `$causationId`: copies of correlationId / causationId under the names
 *   KurrentDB's system projections (`$by_correlation_id`) and UI understand.
 *
 * So the port's metadata may not use "$" keys itself (append validation says so).
 */
export const SCHEMA_VERSION_KEY = "$schemaVersion";

export function toEventData(event: EventToAppend): EventData {
  return jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: storedMetadata(event) });
}

export function storedMetadata(event: EventToAppend): JsonObject {
  const stored: JsonObject = {};
  for (const [key, value] of Object.entries(event.metadata ?? {})) {
    if (value !== undefined) stored[key] = value;
  }
  const schemaVersion = event.schemaVersion ?? 1;
  if (schemaVersion !== 1) stored[SCHEMA_VERSION_KEY] = schemaVersion;
  if (typeof stored.correlationId === "string") stored.$correlationId = stored.correlationId;
  if (typeof stored.causationId === "string") stored.$causationId = stored.causationId;
  return stored;
}

/** Metadata keys of this append that KurrentDB reserves; an append carrying one is refused. */
export function reservedMetadataKeys(metadata: EventMetadata | undefined): string[] {
  return Object.keys(metadata ?? {}).filter((key) => key.startsWith("$"));
}

/** The port's metadata and schema version out of a stored metadata document. */
export function readMetadata(raw: unknown): { metadata: EventMetadata; schemaVersion: number } {
  if (!isJsonObject(raw)) return { metadata: {}, schemaVersion: 1 };
  const metadata: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!key.startsWith("$")) metadata[key] = value;
  }
  const version = raw[SCHEMA_VERSION_KEY];
  const schemaVersion =
    typeof version === "number" && Number.isSafeInteger(version) && version > 0 ? version : 1;
  return { metadata: metadata as EventMetadata, schemaVersion };
}

/**
 * The port's view of a stored event. `position` may be given when the one on the record is not the
 * event's own (a replayed parked event carries its link's); without either, the event cannot be
 * placed in the global log and the read fails loudly rather than inventing a position.
 */
export function fromClientEvent(event: ClientRecordedEvent, position?: Position): RecordedEvent {
  const at = position ?? fromClientPosition(event.position);
  if (!at) {
    throw new Error(
      `Event ${event.id} of ${event.streamId} has no log position; KurrentDB 22.6 or later reports one`,
    );
  }
  const { metadata, schemaVersion } = readMetadata(event.metadata);
  return {
    id: event.id,
    streamId: event.streamId,
    revision: fromClientRevision(event.revision),
    position: at,
    type: event.type,
    data: readData(event.data),
    metadata,
    schemaVersion,
    recordedAt: event.created,
  };
}

/**
 * Event data written by this adapter is always a JSON object. Anything else (written by another
 * tool) is kept rather than dropped: JSON that is not an object under `value`, bytes as base64.
 */
export function readData(data: unknown): JsonObject {
  if (isJsonObject(data)) return data;
  if (data instanceof Uint8Array) return { base64: Buffer.from(data).toString("base64") };
  return { value: (data ?? null) as JsonValue };
}

function isJsonObject(value: unknown): value is JsonObject {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}
