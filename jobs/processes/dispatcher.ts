import type { Queue } from "bullmq";
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
        for await (const batch of subscription.batches()) {
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
