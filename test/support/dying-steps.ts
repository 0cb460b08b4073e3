import type { AnyAggregate } from "../../commands/aggregates/index";
import type { CommandResult } from "../../commands/result";
import type { CommandRuntime } from "../../commands/runtime";
import type { ProcessManager } from "../../jobs/processes/process";
import { ProcessSteps, type CausingEvent } from "../../jobs/processes/steps";

/** A worker that dies (throws, sending nothing more) once it has sent `lives` steps. */
export class DyingSteps extends ProcessSteps {
  sent = 0;
  constructor(
    commands: CommandRuntime,
    process: ProcessManager,
    cause: CausingEvent,
    private readonly lives: number,
  ) {
    super(commands, process.name, cause);
  }

  override send<C extends { type: string }>(
    step: string,
    aggregate: AnyAggregate,
    id: string,
    command: C,
  ): Promise<CommandResult> {
    if (this.sent >= this.lives) throw new WorkerDied(step);
    this.sent++;
    return super.send(step, aggregate, id, command);
  }
}

export class WorkerDied extends Error {
  constructor(readonly step: string) {
    super(`worker died before step ${step}`);
  }
}

/**
 * The reaction as a worker runs it, dying after `lives` steps; then `between` (what happens while
 * no worker holds the job); then run again to the end, as the next worker would.
 */
export async function reactDyingAfter(
  commands: CommandRuntime,
  process: ProcessManager,
  cause: CausingEvent,
  lives: number,
  between?: () => Promise<void>,
): Promise<{ outcome: string; again: string }> {
  const dying = new DyingSteps(commands, process, cause, lives);
  const outcome = await process.react(cause, { steps: dying, log: commands.log }).catch((error: Error) => {
    if (!(error instanceof WorkerDied)) throw error;
    return error.message;
  });
  await between?.();
  const again = await process.react(cause, {
    steps: new ProcessSteps(commands, process.name, cause),
    log: commands.log,
  });
  return { outcome, again };
}

/** A recorded event as a job carries it (the same shaping the dispatcher does). */
export { causingEvent as asCause } from "../../jobs/processes/steps";
