/**
 * The last state this process saw of each recently used stream, at the revision it saw it, so a
 * command to a stream it just wrote decides without reading the stream again: one round trip (the
 * append) instead of two. What it holds may be stale (another process appended since): the
 * append's expected-revision check says so, and the runtime then reads the stream and decides
 * again. It never answers a refusal or a no-op on its own either (see CommandRuntime).
 *
 * Bounded: the least recently used stream is dropped first.
 */
export class StateCache<S> {
  private readonly entries = new Map<string, CachedState<S>>();

  constructor(private readonly capacity: number) {}

  get(streamId: string): CachedState<S> | undefined {
    const entry = this.entries.get(streamId);
    if (entry === undefined) return undefined;
    // Map keeps insertion order: re-inserting marks it the most recently used.
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    return entry;
  }

  set(streamId: string, entry: CachedState<S>): void {
    if (this.capacity <= 0) return;
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(streamId: string): void {
    this.entries.delete(streamId);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface CachedState<S> {
  readonly state: S;
  readonly revision: number;
  /** Revision of the last snapshot this process knows of (-1: none). */
  readonly snapshotRevision: number;
}
