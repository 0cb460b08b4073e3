import type { Redis } from "ioredis";

/** A change of a view as kept in its history stream (entry id = event position). */
export interface ViewChange<T> {
  readonly position: string;
  readonly view: T;
}

export function positionOfEntry(id: string): string {
  return id.replace("-", ":");
}

export function entryIdOf(position: string): string {
  return position.replace(":", "-");
}

export function fieldsToObject(fields: string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) object[fields[i]!] = fields[i + 1]!;
  return object;
}

/** Whether stream entry id `a` comes after `b`. */
export function idAfter(a: string, b: string): boolean {
  const [a1, a2] = a.split("-").map(BigInt) as [bigint, bigint];
  const [b1, b2] = b.split("-").map(BigInt) as [bigint, bigint];
  return a1 > b1 || (a1 === b1 && a2 > b2);
}

/** Stream entry ids in order: negative when `a` comes first (for sorting merged histories). */
export function compareEntryIds(a: string, b: string): number {
  return idAfter(a, b) ? 1 : idAfter(b, a) ? -1 : 0;
}

/**
 * The first field of a snapshot entry (with an empty value); the hash's own fields follow. Entries
 * written before this format hold one field, "view", with the hash as JSON.
 */
export const snapshotMark = "~view";

/** Whether a stream entry is a view snapshot, in either form. */
export function isSnapshotEntry(fields: readonly string[]): boolean {
  return fields[0] === snapshotMark || (fields.length === 2 && fields[0] === "view");
}

/** The view a history entry holds (the hash of its `snapshot`, fields by name). */
export function snapshotOf(fields: string[]): Record<string, string> {
  if (fields[0] === snapshotMark) return fieldsToObject(fields.slice(2));
  return JSON.parse(fieldsToObject(fields).view ?? "{}") as Record<string, string>;
}

/**
 * The entries of a history stream trimmed to `maxLength` that were recorded after `since` (oldest
 * first), the last one recorded up to `since` (if any is kept), and whether the stream still
 * reaches back to `since` (false: older entries were trimmed away, and the caller should fall back
 * to the current view).
 */
export async function entriesSince(
  redis: Redis,
  streamKey: string,
  since: string,
  maxLength: number,
): Promise<{
  entries: [id: string, fields: string[]][];
  atSince: [id: string, fields: string[]] | undefined;
  complete: boolean;
}> {
  const sinceId = entryIdOf(since);
  const [entries, upToSince, length] = await Promise.all([
    redis.xrange(streamKey, `(${sinceId}`, "+"),
    redis.xrevrange(streamKey, sinceId, "-", "COUNT", 1),
    redis.xlen(streamKey),
  ]);
  const atSince = upToSince[0];
  // It reaches back when an entry up to `since` is kept, or when nothing was ever trimmed.
  const complete = length < maxLength || atSince !== undefined;
  return { entries, atSince, complete };
}

/** Views recorded after `since` (oldest first) from a history of view snapshots, as `entriesSince`. */
export async function readViewHistory<T>(
  redis: Redis,
  streamKey: string,
  since: string,
  maxLength: number,
  parse: (hash: Record<string, string>) => T | null,
): Promise<{ changes: ViewChange<T>[]; complete: boolean }> {
  const { entries, complete } = await entriesSince(redis, streamKey, since, maxLength);
  const changes = entries.flatMap(([id, fields]) => {
    const view = parse(snapshotOf(fields));
    return view ? [{ position: positionOfEntry(id), view }] : [];
  });
  return { changes, complete };
}

/**
 * `readViewHistory` over several histories of one view kept in parts (a spread view's partitions,
 * each with the changes of its own streams): the changes of all after `since`, merged by position,
 * complete only when every part still reaches back to `since`.
 */
export async function readViewHistories<T>(
  redis: Redis,
  streamKeys: readonly string[],
  since: string,
  maxLength: number,
  parse: (hash: Record<string, string>) => T | null,
): Promise<{ changes: ViewChange<T>[]; complete: boolean }> {
  if (streamKeys.length === 1) return readViewHistory(redis, streamKeys[0]!, since, maxLength, parse);
  const parts = await Promise.all(
    streamKeys.map((key) => readViewHistory(redis, key, since, maxLength, parse)),
  );
  const changes = parts
    .flatMap((part) => part.changes)
    .sort((a, b) => compareEntryIds(entryIdOf(a.position), entryIdOf(b.position)));
  return { changes, complete: parts.every((part) => part.complete) };
}

/**
 * The changes after `since` of a view kept as partial figures in parts (a spread view's partitions,
 * each summing the events of its own streams), each part with a history of its partial after each
 * change: every part's entries after `since`, merged by position, each answered with the sum of
 * every part's partial as it stood there (`combine`). A part's partial at `since` is its last entry
 * up to `since`, or `empty` when the part has none and has trimmed nothing; a part that has trimmed
 * the entries it would need makes the answer incomplete. "As it stood" is as far as each part has
 * applied: a part that lags contributes what it has, and its later entries bring the rest.
 */
export async function readSummedHistories<T>(
  redis: Redis,
  streamKeys: readonly string[],
  since: string,
  maxLength: number,
  parse: (hash: Record<string, string>) => T,
  combine: (parts: readonly T[], position: string) => T,
  empty: T,
): Promise<{ changes: ViewChange<T>[]; complete: boolean }> {
  const parts = await Promise.all(
    streamKeys.map(async (key) => {
      const { entries, atSince, complete } = await entriesSince(redis, key, since, maxLength);
      return { entries, partial: atSince ? parse(snapshotOf(atSince[1])) : empty, complete };
    }),
  );
  const partials = parts.map((part) => part.partial);
  const entries = parts
    .flatMap((part, index) => part.entries.map(([id, fields]) => ({ id, fields, index })))
    .sort((a, b) => compareEntryIds(a.id, b.id));
  const changes = entries.map(({ id, fields, index }) => {
    partials[index] = parse(snapshotOf(fields));
    const position = positionOfEntry(id);
    return { position, view: combine(partials, position) };
  });
  return { changes, complete: parts.every((part) => part.complete) };
}
