import type { RecordedEvent as ClientRecordedEvent } from "@kurrent/kurrentdb-client";
import type { KurrentIo } from "./io";
import { isNoStream } from "./errors";
import { pause } from "./io";

/*
 * Parked events live where KurrentDB puts them: the stream `$persistentsubscription-$all::<group>-parked`
 * holds one link event per parked event ("<revision>@<stream>", metadata { Added, Reason }), and a
 * replay moves the stream's truncate-before past the entries it replays. Reading it needs admin
 * rights (the server's ACL on `$persistentsubscription-*` streams), as do resets (see
 * consumer-groups.ts); an insecure single node grants them.
 */

export function parkedStreamOf(group: string): string {
  return `$persistentsubscription-$all::${group}-parked`;
}

export function checkpointStreamOf(group: string): string {
  return `$persistentsubscription-$all::${group}-checkpoint`;
}

/** The prefix the server puts before the reason a consumer gave with a nack(park). */
const CLIENT_NAK_PREFIX = "Client explicitly NAK'ed message.\n";
/** What the server writes when it parks an event itself (retries of a timed-out message ran out). */
const RETRIES_RAN_OUT = /^Reached retry count of (\d+)/;

/**
 * The server keeps one reason string per parked event and no attempt count, so the reason this
 * adapter sends with a park carries both, as JSON.
 */
export function encodeParkReason(reason: string, attempts: number): string {
  return JSON.stringify({ reason, attempts });
}

export function decodeParkReason(stored: string): { reason: string; attempts: number } {
  const text = stored.startsWith(CLIENT_NAK_PREFIX) ? stored.slice(CLIENT_NAK_PREFIX.length) : stored;
  try {
    const parsed = JSON.parse(text) as { reason?: unknown; attempts?: unknown };
    if (typeof parsed.reason === "string" && typeof parsed.attempts === "number") {
      return { reason: parsed.reason, attempts: parsed.attempts };
    }
  } catch {
    // Not one of ours: a reason given by another client, or the server's own.
  }
  const ranOut = RETRIES_RAN_OUT.exec(text);
  return { reason: text, attempts: ranOut ? Number(ranOut[1]) + 1 : 1 };
}

/** "<revision>@<stream>", the data of a link event. */
export function parseLinkTarget(data: unknown): { streamId: string; revision: number } | null {
  const text =
    data instanceof Uint8Array ? Buffer.from(data).toString("utf8") : typeof data === "string" ? data : "";
  const match = /^(\d+)@(.+)$/s.exec(text);
  return match ? { revision: Number(match[1]), streamId: match[2]! } : null;
}

export function linkTargetOf(event: { streamId: string; revision: bigint | number }): string {
  return `${event.revision}@${event.streamId}`;
}

/** One entry of the parked stream. */
export interface ParkedEntry {
  /** Its number in the parked stream (replays stop at numbers). */
  readonly number: bigint;
  readonly target: { readonly streamId: string; readonly revision: number };
  readonly reason: string;
  readonly attempts: number;
  readonly parkedAt: Date;
}

export function toParkedEntry(link: ClientRecordedEvent): ParkedEntry | null {
  const target = parseLinkTarget(link.data);
  if (!target) return null;
  const metadata = (
    typeof link.metadata === "object" && link.metadata !== null ? link.metadata : {}
  ) as Record<string, unknown>;
  const stored = metadata.Reason ?? metadata.reason;
  const { reason, attempts } = decodeParkReason(typeof stored === "string" ? stored : "");
  // The link's own time: the server's "Added" is its local clock, `created` is UTC.
  return { number: link.revision, target, reason, attempts, parkedAt: link.created };
}

/** Reads parked entries from the oldest still parked, up to `limit`. */
export async function readParked(io: KurrentIo, group: string, limit: number): Promise<ParkedEntry[]> {
  if (limit <= 0) return [];
  return io.retrying(
    async () => {
      const entries: ParkedEntry[] = [];
      try {
        for await (const { event, link } of io.client.readStream(parkedStreamOf(group), {
          fromRevision: "start",
          maxCount: limit,
        })) {
          const record = link ?? event;
          const entry = record && toParkedEntry(record);
          if (entry) entries.push(entry);
        }
      } catch (error) {
        if (isNoStream(error)) return [];
        throw error;
      }
      return entries;
    },
    { group },
  );
}

/** How many entries the parked stream holds: from the first not truncated to the last. */
export async function countParked(io: KurrentIo, group: string): Promise<number> {
  const [first, last] = await Promise.all([
    edgeNumber(io, group, "forwards"),
    edgeNumber(io, group, "backwards"),
  ]);
  return first === null || last === null || last < first ? 0 : Number(last - first + 1n);
}

async function edgeNumber(
  io: KurrentIo,
  group: string,
  direction: "forwards" | "backwards",
): Promise<bigint | null> {
  return io.retrying(
    async () => {
      try {
        for await (const { event } of io.client.readStream(parkedStreamOf(group), {
          direction,
          fromRevision: direction === "forwards" ? "start" : "end",
          maxCount: 1,
          requiresLeader: true,
        })) {
          if (event) return event.revision;
        }
      } catch (error) {
        if (isNoStream(error)) return null;
        throw error;
      }
      return null;
    },
    { group },
  );
}

/**
 * Parking is asynchronous on the server (a nack is not answered), but the port has a parked event
 * listed as soon as its batch is settled: wait until the parked stream shows these targets.
 */
export async function waitUntilParked(
  io: KurrentIo,
  group: string,
  targets: readonly string[],
  timeoutMs: number,
): Promise<boolean> {
  const missing = new Set(targets);
  const deadline = Date.now() + timeoutMs;
  while (missing.size > 0) {
    try {
      for await (const { event } of io.client.readStream(parkedStreamOf(group), {
        direction: "backwards",
        fromRevision: "end",
        maxCount: missing.size + 50,
        requiresLeader: true,
      })) {
        const target = event && parseLinkTarget(event.data);
        if (target) missing.delete(linkTargetOf(target));
      }
    } catch (error) {
      if (!isNoStream(error)) throw error;
    }
    if (missing.size === 0) return true;
    if (Date.now() >= deadline) return false;
    await pause(20);
  }
  return true;
}

/** A replay truncates the parked stream past what it replayed, after pushing those events. */
export async function waitUntilReplayed(
  io: KurrentIo,
  group: string,
  lastReplayed: bigint,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const first = await edgeNumber(io, group, "forwards");
    if (first === null || first > lastReplayed) return true;
    if (Date.now() >= deadline) return false;
    await pause(20);
  }
}
