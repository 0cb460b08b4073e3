import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";
import { isCluster } from "./redis-nodes";

/** One Redis operation a projector asks for; the vocabulary the apply-batch script accepts. */
export type ViewOp =
  | readonly ["hset", string, ...string[]]
  | readonly ["hsetnx", string, string, string]
  | readonly ["hdel", string, ...string[]]
  | readonly ["hincrby", string, string, string]
  | readonly ["zadd", string, string, string]
  | readonly ["zrem", string, string]
  | readonly ["zincrby", string, string, string]
  | readonly ["sadd", string, string]
  | readonly ["srem", string, string]
  | readonly ["incrby", string, string]
  | readonly ["set", string, string]
  | readonly ["del", string]
  /** Appends an entry with id = the event position; skipped if not above the stream's last id. */
  | readonly ["xappend", string, string, string, ...string[]]
  /** Sets the field only when the position is after the stored one (cross-stream views). */
  | readonly ["hmaxpos", string, string, string]
  /** Sets the field only when the text sorts after the stored one (ISO instants). */
  | readonly ["hmaxstr", string, string, string]
  /** Appends the hash as it is after this unit's writes: the field "~view", then its fields. */
  | readonly ["snapshot", string, string, string, string];

/** Applies only if the revision stored at (key, field) is exactly revision - 1. */
export interface Guard {
  readonly key: string;
  readonly field: string;
  readonly revision: number;
}

export interface ViewUnit {
  /** Global position of the event ("commit:prepare"). */
  readonly position: string;
  /** False when the projector's handler failed for this event: nothing is written. */
  readonly ok: boolean;
  readonly guard: Guard | null;
  readonly ops: readonly ViewOp[];
  readonly notices: readonly (readonly [channel: string, message: string])[];
}

export type UnitOutcome = "applied" | "duplicate" | "gap" | "failed";

/** Where a writer may write: only while the hash field holds the value (a generation). */
export interface Fence {
  readonly key: string;
  readonly field: string;
  readonly value: string;
  /** What a missing field counts as. */
  readonly missing?: string;
}

/** How a batch is written besides its units. */
export interface WriteMode {
  /** Leave the checkpoint where it is (an earlier part of the batch did not settle). */
  readonly hold?: boolean;
  readonly fence?: Fence | null;
  /** Publish no change notices (a generation nobody reads yet). */
  readonly quiet?: boolean;
}

export type BatchOutcome =
  | { readonly kind: "lost" }
  | { readonly kind: "fenced" }
  | {
      readonly kind: "ok";
      readonly checkpoint: string | null;
      readonly units: readonly UnitOutcome[];
      /** Why a unit failed the script's checks (by unit index; absent when none did); it wrote nothing. */
      readonly refusals?: ReadonlyMap<number, string>;
    };

const outcomeByCode: Record<string, UnitOutcome> = {
  "1": "applied",
  "0": "duplicate",
  "-1": "gap",
  "-2": "failed",
};

const applyBatchSource = readFileSync(new URL("./lua/apply-batch.lua", import.meta.url), "utf8");

type ApplyReply = [status: string, written?: string, codes?: number[], refusals?: (string | number)[]];

type RedisWithApply = Redis & {
  applyBatch(checkpointKey: string, batch: string): Promise<ApplyReply>;
  /** The same script with every key it touches declared (numkeys first): for a cluster. */
  applyBatchDeclared(...keysThenBatch: (string | number)[]): Promise<ApplyReply>;
};

/**
 * Every key a batch touches, the checkpoint first (the script's KEYS[1]). A cluster routes a script
 * by its declared keys: it refuses one whose keys span slots before anything runs (CROSSSLOT), and
 * while a slot moves it redirects (ASK) or asks for a retry (TRYAGAIN) instead of letting the
 * script see half of the slot's keys.
 */
function keysOf(
  checkpointKey: string,
  units: readonly ViewUnit[],
  fence: Fence | null | undefined,
): string[] {
  const keys = new Set([checkpointKey]);
  if (fence) keys.add(fence.key);
  for (const unit of units) {
    if (unit.guard) keys.add(unit.guard.key);
    for (const op of unit.ops) {
      keys.add(op[1]);
      if (op[0] === "snapshot") keys.add(op[4]);
    }
  }
  return [...keys];
}

/** Kept well below the script's limit on one operation's parts, so joining never makes one too long. */
const maxJoinedLength = 1_000;

/**
 * The ops with each run of `hset`s to the same key written as one `hset` (a view's common fields,
 * then the event's own): the same writes, in the same order (a field set twice keeps the later
 * value, as HSET does with a field named twice), checked and run once by the script.
 */
export function joinAdjacentHashWrites(ops: readonly ViewOp[]): readonly ViewOp[] {
  const joined: ViewOp[] = [];
  for (const op of ops) {
    const last = joined[joined.length - 1];
    const fits = last !== undefined && last.length + op.length - 2 <= maxJoinedLength;
    if (last && fits && isFieldValuePairs(last) && isFieldValuePairs(op) && last[1] === op[1]) {
      joined[joined.length - 1] = ["hset", op[1], ...last.slice(2), ...op.slice(2)];
    } else {
      joined.push(op);
    }
  }
  return joined;
}

/** A well-formed `hset` (a malformed one is left alone, for the script to refuse on its own). */
function isFieldValuePairs(op: ViewOp): boolean {
  return op[0] === "hset" && op.length >= 4 && op.length % 2 === 0;
}

/**
 * Writes a projector batch (guards + writes + checkpoint + notices) in one atomic Lua call, so a
 * crash at any instant leaves either all of it or none of it.
 */
export class ReadModelWriter {
  private readonly redis: RedisWithApply;
  private readonly declareKeys: boolean;

  constructor(redis: Redis) {
    if (!("applyBatch" in redis)) {
      redis.defineCommand("applyBatch", { numberOfKeys: 1, lua: applyBatchSource });
      redis.defineCommand("applyBatchDeclared", { lua: applyBatchSource });
    }
    this.redis = redis as RedisWithApply;
    // One server needs no declared keys (and is spared sending each twice).
    this.declareKeys = isCluster(redis);
  }

  /** `mode.hold` is for a batch retried unit by unit after an earlier unit did not settle. */
  async apply(
    checkpointKey: string,
    expectedCheckpoint: string | null,
    units: readonly ViewUnit[],
    mode: WriteMode = {},
  ): Promise<BatchOutcome> {
    const { hold, fence, quiet } = mode;
    const payload = JSON.stringify({
      expected: expectedCheckpoint ?? "",
      ...(hold && { hold: true }),
      ...(quiet && { quiet: true }),
      ...(fence && { fence: [fence.key, fence.field, fence.value, fence.missing ?? ""] }),
      units: units.map((unit) => ({
        pos: unit.position,
        ok: unit.ok,
        g: unit.guard ? [unit.guard.key, unit.guard.field, unit.guard.revision] : null,
        ops: joinAdjacentHashWrites(unit.ops),
        n: unit.notices,
      })),
    });
    let reply: ApplyReply;
    if (this.declareKeys) {
      const keys = keysOf(checkpointKey, units, fence);
      reply = await this.redis.applyBatchDeclared(keys.length, ...keys, payload);
    } else {
      reply = await this.redis.applyBatch(checkpointKey, payload);
    }
    const [status, written = "", codes = [], refused = []] = reply;
    if (status === "lost") return { kind: "lost" };
    if (status === "fenced") return { kind: "fenced" };
    const refusals = new Map<number, string>();
    // Lua counts from 1.
    for (let i = 0; i + 1 < refused.length; i += 2)
      refusals.set(Number(refused[i]) - 1, String(refused[i + 1]));
    return {
      kind: "ok",
      checkpoint: written === "" ? null : written,
      units: codes.map((code) => outcomeByCode[String(code)] ?? "failed"),
      ...(refusals.size > 0 && { refusals }),
    };
  }
}
