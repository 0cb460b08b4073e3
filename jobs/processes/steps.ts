import type { AnyAggregate } from "../../commands/aggregates/index";
import type { CommandResult } from "../../commands/result";
import { idempotencyRecordKey, type CommandRuntime } from "../../commands/runtime";
import type { EventMetadata, JsonObject, JsonValue, RecordedEvent } from "../../eventstore/port";

/**
 * The event a process reacts to, as its job carries it (the recorded event without its position,
 * which holds bigints that a job's JSON cannot).
 */
export interface CausingEvent {
  readonly id: string;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: EventMetadata;
  readonly schemaVersion: number;
}

/** The recorded event as a reaction's job carries it. */
export function causingEvent(event: RecordedEvent): CausingEvent {
  const { id, streamId, revision, type, data, metadata, schemaVersion } = event;
  return { id, streamId, revision, type, data, metadata, schemaVersion };
}

/**
 * How a process sends its commands: each step is named, and its idempotency key is the causing
 * event's id and the step's name, so a job run again (a worker died mid-way, the event was
 * delivered twice) appends nothing new for the steps already done and gets their first answers
 * back. Every command carries the causing event as its causation and the request that started the
 * chain as its correlation.
 */
export class ProcessSteps {
  constructor(
    private readonly commands: CommandRuntime,
    private readonly processName: string,
    private readonly cause: CausingEvent,
    private readonly clock: () => Date = () => new Date(),
    /** A pause after each step (PROCESS_STEP_PAUSE_MS: fault drills and demonstrations; 0 in use). */
    private readonly pauseMs = 0,
  ) {}

  /**
   * Runs one step: `command` without its instant, which is the step's own. The command as given
   * is the request the idempotency key is bound to: a rerun sends a later instant, and must still
   * match the first run's fingerprint.
   */
  send<C extends { type: string }>(
    step: string,
    aggregate: AnyAggregate,
    aggregateId: string,
    command: C,
  ): Promise<CommandResult> {
    return this.pausedAfter(this.run(step, aggregate, aggregateId, command));
  }

  private run<C extends { type: string }>(
    step: string,
    aggregate: AnyAggregate,
    aggregateId: string,
    command: C,
  ): Promise<CommandResult> {
    const now = this.clock();
    return this.commands.execute(
      aggregate,
      aggregateId,
      { ...command, at: now.toISOString() },
      {
        userId: this.userId,
        correlationId: this.cause.metadata.correlationId ?? this.cause.id,
        causationId: this.cause.id,
        now,
        idempotency: { key: stepKey(this.cause.id, step), request: command as unknown as JsonValue },
      },
    );
  }

  /** Who a process's commands are sent as (its steps' idempotency keys are this user's). */
  private get userId(): string {
    return `process:${this.processName}`;
  }

  private async pausedAfter(result: Promise<CommandResult>): Promise<CommandResult> {
    const answer = await result;
    if (this.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    return answer;
  }

  /**
   * Whether an earlier run already did this step (its idempotency record is there). A refusal
   * records nothing, so a step refused once might succeed on a rerun: a reaction that has begun
   * to undo asks this before it would go forward again.
   */
  async done(step: string): Promise<boolean> {
    const key = idempotencyRecordKey(this.userId, stepKey(this.cause.id, step));
    return (await this.commands.log.readIdempotencyRecord(key)) !== null;
  }
}

/** The idempotency key of one step of the reaction to one event. */
export function stepKey(causingEventId: string, step: string): string {
  return `${causingEventId}/${step}`;
}
