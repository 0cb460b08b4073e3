import { accountStreamId } from "../../domain/banking/state";
import type { EventStore, Position } from "../../eventstore/port";
import { deposited } from "./events";

/** Streams this process appends to, one append in flight per stream, exact expected revisions. */
export class Streams {
  readonly revisions: number[];
  private readonly busy: boolean[];
  private cursor = 0;

  constructor(
    private readonly store: EventStore,
    readonly ids: readonly string[],
  ) {
    this.revisions = ids.map(() => 0);
    this.busy = ids.map(() => false);
  }

  /** Appends `count` deposits to the next free stream; resolves with the account and the position of the last one (null when every stream is busy). */
  async append(count = 1, pick?: number): Promise<{ accountId: string; position: Position } | null> {
    let index = pick;
    if (index === undefined) {
      for (let tries = 0; tries < this.ids.length; tries++) {
        const candidate = this.cursor++ % this.ids.length;
        if (!this.busy[candidate]) {
          index = candidate;
          break;
        }
      }
    }
    if (index === undefined) return null;
    const accountId = this.ids[index]!;
    this.busy[index] = true;
    try {
      const events = Array.from({ length: count }, () => deposited(accountId, 100, 100));
      const result = await this.store.appendToStream(accountStreamId(accountId), events, {
        expectedRevision: this.revisions[index]!,
      });
      this.revisions[index] = result.nextRevision;
      return { accountId, position: result.position };
    } finally {
      this.busy[index] = false;
    }
  }
}
