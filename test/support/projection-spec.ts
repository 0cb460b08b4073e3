import type { RecordedEvent } from "../../eventstore/port";
import type { ViewOp } from "../../readmodels/batch-writer";
import type { ReadModelKeys } from "../../readmodels/keys";
import { readModelKeys } from "../../readmodels/keys";
import type { Projector } from "../../readmodels/view";
import { snapshotMark } from "../../readmodels/view-history";

/**
 * Given events → then the view: the one way every projection is specified, with no Redis. The
 * projection's operations are applied to a small in-memory model of the apply script's vocabulary
 * (hashes, sorted sets, streams, guards), and the view is read back through the view's own codec,
 * so a spec states the view as a typed value, never as Redis commands.
 *
 *   const spec = projectionSpec(accountsProjector);
 *   const store = spec.given([opened("a-1"), deposited("a-1", 500)]);
 *   expect(accountFromHash("a-1", store.hash(keys.account("a-1")))).toMatchObject({ balance: 500 });
 */
export function projectionSpec(make: (keys: ReadModelKeys) => Projector) {
  const keys = readModelKeys("spec:");
  const projector = make(keys);
  return {
    keys,
    projector,
    /** Projects the events in order (a repeated event is a duplicate, as in Redis). */
    given(events: readonly RecordedEvent[]): MemoryViews {
      const views = new MemoryViews();
      for (const event of events) views.apply(projector.project(event));
      return views;
    },
  };
}

type Value =
  | { kind: "hash"; fields: Map<string, string> }
  | { kind: "zset"; members: Map<string, number> }
  | { kind: "stream"; entries: [string, string[]][] }
  | { kind: "string"; text: string };

/** What Redis would hold after the projections: enough of it to read every view back. */
export class MemoryViews {
  private readonly values = new Map<string, Value>();
  /** Notices published, in order. */
  readonly notices: [channel: string, message: string][] = [];

  apply(projection: ReturnType<Projector["project"]>): void {
    const guard = projection.guard;
    if (guard) {
      const current = Number(this.hash(guard.key)[guard.field] ?? -1);
      if (guard.revision <= current) return; // a duplicate: nothing changes
      if (guard.revision > current + 1) throw new Error(`gap at ${guard.key} ${guard.field}`);
      this.hashOf(guard.key).set(guard.field, String(guard.revision));
    }
    for (const op of projection.ops) this.run(op);
    for (const [channel, message] of projection.notices) this.notices.push([channel, message]);
  }

  /** A hash as HGETALL would answer it ({} when absent). */
  hash(key: string): Record<string, string> {
    const value = this.values.get(key);
    return value?.kind === "hash" ? Object.fromEntries(value.fields) : {};
  }

  /** A sorted set's members, lowest score first (ties by member), with scores. */
  zset(key: string): [member: string, score: number][] {
    const value = this.values.get(key);
    if (value?.kind !== "zset") return [];
    return [...value.members].sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0));
  }

  /** A stream's entries, oldest first: [id, fields as an object]. */
  stream(key: string): [string, Record<string, string>][] {
    const value = this.values.get(key);
    if (value?.kind !== "stream") return [];
    return value.entries.map(([id, fields]) => [id, pairsToObject(fields)]);
  }

  keys(): string[] {
    return [...this.values.keys()].sort();
  }

  private hashOf(key: string): Map<string, string> {
    const value = this.values.get(key) ?? { kind: "hash", fields: new Map<string, string>() };
    if (value.kind !== "hash") throw new Error(`${key} is a ${value.kind}, not a hash`);
    this.values.set(key, value);
    return value.fields;
  }

  private zsetOf(key: string): Map<string, number> {
    const value = this.values.get(key) ?? { kind: "zset", members: new Map<string, number>() };
    if (value.kind !== "zset") throw new Error(`${key} is a ${value.kind}, not a sorted set`);
    this.values.set(key, value);
    return value.members;
  }

  private append(key: string, id: string, maxLength: number, fields: string[]): void {
    const value = this.values.get(key) ?? { kind: "stream", entries: [] as [string, string[]][] };
    if (value.kind !== "stream") throw new Error(`${key} is a ${value.kind}, not a stream`);
    const last = value.entries.at(-1)?.[0];
    if (last !== undefined && !idAfter(id, last)) return;
    value.entries.push([id, fields]);
    if (maxLength > 0 && value.entries.length > maxLength)
      value.entries.splice(0, value.entries.length - maxLength);
    this.values.set(key, value);
  }

  private run(op: ViewOp): void {
    const [name, key, ...args] = op as readonly string[] as [string, string, ...string[]];
    switch (name) {
      case "hset":
        for (let i = 0; i + 1 < args.length; i += 2) this.hashOf(key).set(args[i]!, args[i + 1]!);
        return;
      case "hsetnx":
        if (!this.hashOf(key).has(args[0]!)) this.hashOf(key).set(args[0]!, args[1]!);
        return;
      case "hdel":
        for (const field of args) this.hashOf(key).delete(field);
        return;
      case "hincrby": {
        const fields = this.hashOf(key);
        fields.set(args[0]!, String(Number(fields.get(args[0]!) ?? 0) + Number(args[1])));
        return;
      }
      case "hmaxpos": {
        const fields = this.hashOf(key);
        const current = fields.get(args[0]!);
        if (current === undefined || positionAfter(args[1]!, current)) fields.set(args[0]!, args[1]!);
        return;
      }
      case "hmaxstr": {
        const fields = this.hashOf(key);
        const current = fields.get(args[0]!);
        if (current === undefined || args[1]! > current) fields.set(args[0]!, args[1]!);
        return;
      }
      case "zadd":
        this.zsetOf(key).set(args[1]!, Number(args[0]));
        return;
      case "zincrby": {
        const members = this.zsetOf(key);
        members.set(args[1]!, (members.get(args[1]!) ?? 0) + Number(args[0]));
        return;
      }
      case "zrem":
        for (const member of args) this.zsetOf(key).delete(member);
        return;
      case "xappend":
        this.append(key, args[0]!, Number(args[1]), args.slice(2));
        return;
      case "snapshot":
        this.append(key, args[0]!, Number(args[1]), [
          snapshotMark,
          "",
          ...Object.entries(this.hash(args[2]!)).flat(),
        ]);
        return;
      case "set":
        this.values.set(key, { kind: "string", text: args[0]! });
        return;
      case "del":
        this.values.delete(key);
        return;
      default:
        throw new Error(`the in-memory model does not know ${name}`);
    }
  }
}

function pairsToObject(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}

function idAfter(a: string, b: string): boolean {
  const [a1, a2] = a.split("-").map(BigInt) as [bigint, bigint];
  const [b1, b2] = b.split("-").map(BigInt) as [bigint, bigint];
  return a1 > b1 || (a1 === b1 && a2 > b2);
}

function positionAfter(a: string, b: string): boolean {
  return idAfter(a.replace(":", "-"), b.replace(":", "-"));
}

/**
 * Recorded events for specs: each call gives the next one of its stream (revision +1) at the next
 * global position, with the metadata a command would give it.
 */
export function eventLog() {
  let position = 0n;
  const revisions = new Map<string, number>();
  return (
    streamId: string,
    type: string,
    data: Record<string, unknown>,
    schemaVersion = 1,
  ): RecordedEvent => {
    position += 1n;
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const at = (data.at as string | undefined) ?? "2026-03-01T10:00:00.000Z";
    return {
      id: `event-${position}`,
      streamId,
      revision,
      position: { commit: position, prepare: position },
      type,
      data: data as RecordedEvent["data"],
      metadata: { correlationId: `request-${position}`, userId: "spec-user", timestamp: at },
      schemaVersion,
      recordedAt: new Date(at),
    };
  };
}
