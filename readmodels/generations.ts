import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Fence } from "./batch-writer";
import type { ChangeFeed } from "./change-feed";
import { generationKeys, readModelKeys, type ReadModelKeys } from "./keys";

/**
 * Generations of a view. A rebuild writes a new generation beside the live one (its keys under
 * `<prefix>gen:<view>:<n>:`; generation 0 is the plain layout under the prefix), then switches
 * readers and projectors to it in one atomic step and retires the old one. Per view, one hash
 * records it:
 *
 *   live      the generation readers and projectors use (missing: 0)
 *   building  the generation a rebuild is writing (missing: none)
 *   last      the highest generation ever started (a new one takes the next number)
 *   retiring  the generation replaced by the last switch, until its keys are gone
 *
 * Every write to a view is fenced on this record inside the apply script: a projector writes only
 * while its generation is `live`, a rebuild only while its own is `building`. So the moment of the
 * switch (or of a cancel) is the moment the old writer stops, with nothing written after it.
 */
export interface GenerationRecord {
  readonly live: number;
  readonly building: number | null;
  readonly last: number;
  readonly retiring: number | null;
  /** The job of the last rebuild started (its id is unique per request). */
  readonly job: string | null;
}

const beginScript = `
local building = redis.call('HGET', KEYS[1], 'building') or ''
if building ~= ARGV[1] then return -1 end
local live = tonumber(redis.call('HGET', KEYS[1], 'live') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local nextGeneration = math.max(live, last) + 1
local job = ARGV[2] .. nextGeneration .. '-' .. ARGV[3]
redis.call('HSET', KEYS[1], 'building', nextGeneration, 'last', nextGeneration, 'job', job)
return nextGeneration
`;

// KEYS: record, then (when ARGV[4] > 0) the rebuild's checkpoint, ARGV[4] projector checkpoints of
// the new generation and as many of the live one. Refuses (-2) while a projector has written the live generation
// past the rebuild's checkpoint (the rebuild reads on and tries again), unless forced.
const switchScript = `
if redis.call('HGET', KEYS[1], 'building') ~= ARGV[1] then return -1 end
local function parse(pos)
  local c, p = string.match(pos, '^(%d+):(%d+)$')
  return tonumber(c), tonumber(p)
end
local function after(a, b)
  if not b then return true end
  local ac, ap = parse(a)
  local bc, bp = parse(b)
  return ac > bc or (ac == bc and ap > bp)
end
local n = tonumber(ARGV[4])
local checkpoint = nil
if n > 0 then checkpoint = redis.call('GET', KEYS[2]) end
if ARGV[5] ~= 'force' then
  for i = 3 + n, 2 + 2 * n do
    local old = redis.call('GET', KEYS[i])
    if old and after(old, checkpoint) then return -2 end
  end
end
if checkpoint then
  for i = 3, 2 + n do redis.call('SET', KEYS[i], checkpoint) end
end
local old = redis.call('HGET', KEYS[1], 'live') or '0'
redis.call('HSET', KEYS[1], 'live', ARGV[1], 'retiring', old)
redis.call('HDEL', KEYS[1], 'building')
redis.call('PUBLISH', ARGV[2], ARGV[3])
return tonumber(old)
`;

const cancelScript = `
local building = redis.call('HGET', KEYS[1], 'building')
if not building then return -1 end
redis.call('HDEL', KEYS[1], 'building')
return tonumber(building)
`;

// A partition of a spread view: its copy of the record (KEYS[1]) takes the generation the view's
// record made live (ARGV[1]), provided it is the one built here, and the partition's projector
// resumes from the rebuild's checkpoint of the partition (KEYS[2] copied to KEYS[3]). -3: already.
const settleScript = `
local live = redis.call('HGET', KEYS[1], 'live') or '0'
if live == ARGV[1] then return -3 end
if redis.call('HGET', KEYS[1], 'building') ~= ARGV[1] then return -1 end
local checkpoint = redis.call('GET', KEYS[2])
if checkpoint then redis.call('SET', KEYS[3], checkpoint) end
redis.call('HSET', KEYS[1], 'live', ARGV[1])
redis.call('HDEL', KEYS[1], 'building')
return tonumber(live)
`;

const mirrorScript = `
if (redis.call('HGET', KEYS[1], 'live') or '0') == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'building', ARGV[1])
return 1
`;

const unmirrorScript = `
if redis.call('HGET', KEYS[1], 'building') == ARGV[1] then redis.call('HDEL', KEYS[1], 'building') end
return 1
`;

const retiredScript = `
if redis.call('HGET', KEYS[1], 'retiring') == ARGV[1] then redis.call('HDEL', KEYS[1], 'retiring') end
return 1
`;

function number(text: string | null | undefined): number | null {
  return text === null || text === undefined || text === "" ? null : Number(text);
}

/** Reads and moves the generation records (the rebuild job's side, and the projectors'). */
export class ViewGenerations {
  constructor(
    private readonly redis: Redis,
    readonly keys: ReadModelKeys,
  ) {}

  async read(view: string): Promise<GenerationRecord> {
    const [live, building, last, retiring, job] = await this.redis.hmget(
      this.keys.viewGeneration(view),
      "live",
      "building",
      "last",
      "retiring",
      "job",
    );
    const liveNumber = number(live) ?? 0;
    return {
      live: liveNumber,
      building: number(building),
      last: Math.max(liveNumber, number(last) ?? 0),
      retiring: number(retiring),
      job: job ?? null,
    };
  }

  /** The live generation of a view (0 until its first rebuild). */
  async live(view: string): Promise<number> {
    return number(await this.redis.hget(this.keys.viewGeneration(view), "live")) ?? 0;
  }

  /**
   * Starts building the next generation, provided the one being built is still `expected` (null:
   * none), so two requests never both start one. Returns its number and the id of the job that
   * builds it (unique per request: `<jobPrefix><generation>-<token>`), or null when another
   * request got there first.
   */
  async begin(
    view: string,
    expected: number | null,
    jobPrefix = `rebuild-${view}-`,
  ): Promise<{ generation: number; jobId: string } | null> {
    const token = randomBytes(4).toString("hex");
    const result = (await this.redis.eval(
      beginScript,
      1,
      this.keys.viewGeneration(view),
      expected === null ? "" : String(expected),
      jobPrefix,
      token,
    )) as number;
    return result < 0 ? null : { generation: result, jobId: `${jobPrefix}${result}-${token}` };
  }

  /**
   * Makes `generation` live, in one step: copies the rebuild's checkpoint to every projector
   * partition's checkpoint in it, moves `live`, and announces the switch. Returns the generation it
   * replaced; "cancelled" when this one is no longer being built; "behind" when a projector wrote
   * the live generation past the rebuild's checkpoint (readers would lose those events for a
   * moment: read on and try again), unless `force`.
   */
  async switchTo(
    view: string,
    generation: number,
    rebuildCheckpointKey: string | null,
    checkpoints: { readonly next: readonly string[]; readonly live: readonly string[] },
    force = false,
  ): Promise<number | "cancelled" | "behind"> {
    const copied =
      rebuildCheckpointKey === null ? [] : [rebuildCheckpointKey, ...checkpoints.next, ...checkpoints.live];
    const result = (await this.redis.eval(
      switchScript,
      1 + copied.length,
      this.keys.viewGeneration(view),
      ...copied,
      String(generation),
      this.keys.generationSwitches(),
      view,
      String(rebuildCheckpointKey === null ? 0 : checkpoints.next.length),
      force ? "force" : "",
    )) as number;
    return result === -1 ? "cancelled" : result === -2 ? "behind" : result;
  }

  /** Whether nothing refers to `generation` any more (not live, built or being retired). */
  async disowned(view: string, generation: number): Promise<boolean> {
    const record = await this.read(view);
    return record.live !== generation && record.building !== generation && record.retiring !== generation;
  }

  /** Stops the rebuild of a view; returns the generation it was building, or null if none was. */
  async cancel(view: string): Promise<number | null> {
    const result = (await this.redis.eval(cancelScript, 1, this.keys.viewGeneration(view))) as number;
    if (result < 0) return null;
    await this.unmirror(view, result);
    return result;
  }

  /**
   * A spread view's partitions each keep a copy of `building` and `live` in their own slot, which
   * their writes are fenced on. The rebuild of such a view first marks its generation as being
   * built in every partition, then checks that the view's record still says so (a cancel in
   * between clears the marks it finds, and this clears the ones it set after). False: cancelled.
   */
  async mirrorBuilding(view: string, generation: number): Promise<boolean> {
    const partitions = this.keys.spreadOf(view);
    if (partitions === null) return true;
    for (let p = 0; p < partitions; p++) {
      await this.redis.eval(mirrorScript, 1, this.keys.partitionGeneration(view, p), String(generation));
    }
    if ((await this.read(view)).building === generation) return true;
    await this.unmirror(view, generation);
    return false;
  }

  private async unmirror(view: string, generation: number): Promise<void> {
    const partitions = this.keys.spreadOf(view) ?? 0;
    for (let p = 0; p < partitions; p++) {
      await this.redis.eval(unmirrorScript, 1, this.keys.partitionGeneration(view, p), String(generation));
    }
  }

  /** The generation partition `partition` of a spread view writes (its copy of `live`). */
  async partitionLive(view: string, partition: number): Promise<number> {
    return number(await this.redis.hget(this.keys.partitionGeneration(view, partition), "live")) ?? 0;
  }

  /**
   * Moves partition `partition` of a spread view onto `generation`, which the view's record has
   * made live: the rebuild does it for every partition right after the switch, and a partition's
   * projector does it for its own when it finds its partition behind the view (the rebuild died
   * between the two). "not built": this generation was never built for the partition.
   */
  async settle(
    view: string,
    partition: number,
    generation: number,
    projectorName: string,
  ): Promise<"settled" | "already" | "not built"> {
    const at = generationKeys(this.keys, view, generation);
    const result = (await this.redis.eval(
      settleScript,
      3,
      this.keys.partitionGeneration(view, partition),
      at.rebuildCheckpoint(view, partition),
      at.checkpoint(projectorName),
      String(generation),
    )) as number;
    return result === -3 ? "already" : result === -1 ? "not built" : "settled";
  }

  /** Records that the old generation's keys are gone. */
  async retired(view: string, generation: number): Promise<void> {
    await this.redis.eval(retiredScript, 1, this.keys.viewGeneration(view), String(generation));
  }

  /** The record writes are fenced on: a spread view's partition's copy, else the view's own. */
  private fenceRecord(view: string, partition: number | null): string {
    return partition !== null && this.keys.spreadOf(view) !== null
      ? this.keys.partitionGeneration(view, partition)
      : this.keys.viewGeneration(view);
  }

  /** The fence of a projector writing `generation` while it is live (in `partition`'s slot). */
  liveFence(view: string, generation: number, partition: number | null = null): Fence {
    return { key: this.fenceRecord(view, partition), field: "live", value: String(generation), missing: "0" };
  }

  /** The fence of a rebuild writing `generation` while it is being built (in `partition`'s slot). */
  buildingFence(view: string, generation: number, partition: number | null = null): Fence {
    return { key: this.fenceRecord(view, partition), field: "building", value: String(generation) };
  }
}

/** Something that says which generation of each view readers use now. */
export interface LiveGenerationSource {
  live(view: string): number;
}

/**
 * The gateway's knowledge of which generation of each view is live, kept in memory so a query
 * pays nothing for it: read at start, on every switch announcement, and every `refreshMs` besides
 * (a missed announcement). A rebuild retires the old generation only after a grace period longer
 * than that, so no reader is still on it when its keys go.
 */
export class LiveGenerations implements LiveGenerationSource {
  private readonly generations = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private closeFeed: (() => void) | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
    private readonly views: readonly string[],
    private readonly refreshMs = 1_000,
  ) {}

  live(view: string): number {
    return this.generations.get(view) ?? 0;
  }

  /** The keys of a view that always name its live generation's data. */
  keysOf(view: string): ReadModelKeys {
    return liveKeys(this.keys, view, this);
  }

  async refresh(): Promise<void> {
    // One HGET per view, sent together (in a cluster the records live in several slots, which one
    // pipeline may not span); a view whose read failed keeps what was known.
    const replies = await Promise.allSettled(
      this.views.map((view) => this.redis.hget(this.keys.viewGeneration(view), "live")),
    );
    for (const [i, view] of this.views.entries()) {
      const reply = replies[i]!;
      if (reply.status === "fulfilled") this.generations.set(view, number(reply.value) ?? 0);
    }
  }

  /** Reads the generations, then keeps them current: on every switch `feed` announces, and by timer. */
  async start(feed?: ChangeFeed): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshMs);
    this.timer.unref();
    if (feed) {
      const switches = feed.listen(this.keys.generationSwitches());
      this.closeFeed = switches.close;
      void (async () => {
        for await (const notice of switches.notices) {
          void notice;
          await this.refresh().catch(() => undefined);
        }
      })();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closeFeed?.();
  }
}

/** Keys whose view data resolves, at each call, to the live generation `source` names. */
export function liveKeys(base: ReadModelKeys, view: string, source: LiveGenerationSource): ReadModelKeys {
  if (base.spreadOf(view) !== null) {
    // Spread: the prefix depends on the key's partition too; it is cheap to compute.
    return readModelKeys(
      base.prefix,
      (placement) => base.placedPrefix(view, source.live(view), placement),
      base.layout,
      base.spreadOf(view),
    );
  }
  const byGeneration = new Map<number, string>();
  return readModelKeys(
    base.prefix,
    () => {
      const generation = source.live(view);
      let prefix = byGeneration.get(generation);
      if (prefix === undefined) {
        prefix = base.generationPrefix(view, generation);
        byGeneration.set(generation, prefix);
      }
      return prefix;
    },
    base.layout,
  );
}
