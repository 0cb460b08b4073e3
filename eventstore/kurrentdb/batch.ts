import type { DeliveredEvent, Position } from "../port";
import type { RawDelivery } from "./native";

/** An event as pushed by the server and prepared for the port. */
export interface Delivery {
  readonly id: string;
  readonly position: Position;
  readonly event: DeliveredEvent;
  /** What the client needs to ack or nack it (a replayed event is acked by its link's id). */
  readonly raw: RawDelivery;
  /** A parked event asked back by a replay. */
  readonly replay: boolean;
}

export type Outcome = "ack" | "park" | "skip" | "retry";

/**
 * A delivered batch until every event is settled. Settlements go to the server as they come (that
 * frees the server's slots, so it can push the next events meanwhile); what this adapter must do
 * once the whole batch is settled (wait for parked events to show, move the checkpoint) uses what
 * is collected here.
 */
export class BatchInHand {
  readonly events: readonly DeliveredEvent[];
  private readonly unsettled = new Map<string, Delivery>();
  /** Settled for good: acked, parked or skipped. */
  readonly finals: Delivery[] = [];
  readonly parked: Delivery[] = [];
  private resolveDone!: () => void;
  private finished = false;
  /** Resolves when the batch is settled and its completion done, or given up. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  completion: Promise<void> | null = null;

  constructor(
    deliveries: readonly Delivery[],
    readonly deadline: number,
  ) {
    this.events = deliveries.map((delivery) => delivery.event);
    for (const delivery of deliveries) this.unsettled.set(key(delivery.id), delivery);
  }

  get isSettled(): boolean {
    return this.unsettled.size === 0;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Settles one event; null if it is not (or no longer) awaiting settlement in this batch. */
  settle(id: string, outcome: Outcome): Delivery | null {
    const delivery = this.unsettled.get(key(id));
    if (!delivery) return null;
    this.unsettled.delete(key(id));
    if (outcome !== "retry") this.finals.push(delivery);
    if (outcome === "park") this.parked.push(delivery);
    return delivery;
  }

  /** Gives up what is still unsettled and returns it (the server delivers it again). */
  abandon(): Delivery[] {
    const left = [...this.unsettled.values()];
    this.unsettled.clear();
    return left;
  }

  finish(): void {
    this.finished = true;
    this.unsettled.clear();
    this.resolveDone();
  }
}

function key(id: string): string {
  return id.toLowerCase();
}
