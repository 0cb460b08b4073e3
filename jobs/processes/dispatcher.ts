import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { ConsumerGroups, DeliveredEvent, EventLog, PersistentSubscription } from "../../eventstore/port";
import type { Log } from "../../projectors/log";
import { pause } from "../../projectors/parking";
import type { ProcessManager } from "./process";
import { causingEvent, type CausingEvent } from "./steps";

export interface ProcessJobData {
  readonly process: string;
  readonly event: CausingEvent;
}

/** The consumer group that feeds a process manager. */
export function processGroup(processName: string): string {
  return `process-${processName}`;
}

/** A reaction's job id: one per process and causing event, so a redelivered event adds nothing. */
export function reactionJobId(processName: string, eventId: string): string {
  return `${processName}-${eventId}`;
}

/**
 * Hands each event a process manager reacts to over to BullMQ, as a job whose id is derived from
 * the event's id, and only then acks it in the process's consumer group: a dispatcher that dies
 * between the two has the batch redelivered, and the jobs already added are not added again.
 * Only one dispatcher per group delivers at a time (the group's lease); the others wait.
 */
export class ProcessDispatcher {
  private readonly stopped = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly subscriptions = new Set<PersistentSubscription>();

  constructor(
    private readonly options: {
      readonly store: ConsumerGroups & EventLog;
      readonly queue: Queue<ProcessJobData>;
      /** The queue's Redis, for the marker that tells whether the queue kept its data. */
      readonly redis: Redis;
      readonly processes: readonly ProcessManager[];
      readonly consumerName: string;
      readonly log: Log;
      readonly retryMs?: number;
    },
  ) {}

  async start(): Promise<void> {
    for (const process of this.options.processes) {
      // From the start of the log: each process decides from the event itself whether it reacts,
      // so older events (of orders placed before the process existed) start nothing.
      await this.options.store.createConsumerGroup(processGroup(process.name), {
        startFrom: "start",
        filter: process.filter,
      });
      this.loops.push(this.run(process));
    }
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await Promise.all([...this.subscriptions].map((s) => s.close().catch(() => undefined)));
    await Promise.all(this.loops);
  }

  private async run(process: ProcessManager): Promise<void> {
    const { store, consumerName, log } = this.options;
    while (!this.stopped.signal.aborted) {
      const subscription = store.subscribe(processGroup(process.name), { consumerName });
      this.subscriptions.add(subscription);
      try {
        if (this.stopped.signal.aborted) break;
        await this.recoverLostQueue(process);
        for await (const batch of subscription.batches()) {
          if (await this.recoverLostQueue(process)) break;
          await this.dispatch(process, batch);
          await subscription.ack(batch);
          if (this.stopped.signal.aborted) break;
        }
      } catch (error) {
        if (this.stopped.signal.aborted) break;
        // The store or Redis went away: nothing unacked is lost, the group redelivers it.
        log.warn({ process: process.name, err: error }, "process dispatcher interrupted; resuming");
        await pause(this.options.retryMs ?? 1_000, this.stopped.signal);
      } finally {
        await subscription.close().catch(() => undefined);
        this.subscriptions.delete(subscription);
      }
    }
  }

  /**
   * The reactions handed over wait in Redis until a worker runs them. Should Redis come back empty
   * (restarted without its data, replaced), the reactions acked but not yet run are gone with it,
   * and a transfer could stay half done. So the dispatcher keeps a marker beside the queue: when
   * it is missing although the group has handed events over before, the group is rewound to the
   * start of the log and every reaction is handed over again. Each step's idempotency record is in
   * the event store, so a reaction that had run appends nothing; the lost ones finish. (The first
   * start of a deployment that has no marker yet replays once, for the same reason.) Returns true
   * when it rewound.
   */
  private async recoverLostQueue(process: ProcessManager): Promise<boolean> {
    const { queue, store, log, redis } = this.options;
    const marker = `${queue.qualifiedName}:dispatched:${process.name}`;
    if ((await redis.exists(marker)) === 1) return false;
    const group = await store.getConsumerGroup(processGroup(process.name));
    const rewind = group?.checkpoint != null;
    if (rewind) {
      log.warn(
        { process: process.name },
        "the reaction queue lost its data; handing every reaction over again",
      );
      await store.resetConsumerGroup(processGroup(process.name), null);
    }
    await redis.set(marker, new Date().toISOString());
    return rewind;
  }

  private async dispatch(process: ProcessManager, batch: readonly DeliveredEvent[]): Promise<void> {
    const jobs = batch
      .map(causingEvent)
      .filter((event) => process.reactsTo(event))
      .map((event) => ({
        name: process.name,
        data: { process: process.name, event },
        opts: { jobId: reactionJobId(process.name, event.id) },
      }));
    if (jobs.length > 0) await this.options.queue.addBulk(jobs);
  }
}
