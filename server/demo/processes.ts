import type { CommandResult } from "../../commands/result";
import type { CommandRuntime } from "../../commands/runtime";
import { admits } from "../../eventstore/filter";
import { processManagers } from "../../jobs/processes/index";
import { causingEvent, ProcessSteps } from "../../jobs/processes/steps";

/**
 * The demo runs the process managers itself (the order's stock, a transfer's steps), right after
 * the command whose events they react to, at the step's instant: a load then needs no worker, and
 * the next step (paying an order, say) finds the order already answered. The steps are the
 * worker's, keyed by the causing event: a worker that meets the same events later replays them
 * and appends nothing.
 */
export async function settleProcesses(
  commands: CommandRuntime,
  result: CommandResult,
  at: Date,
): Promise<void> {
  if (result.eventIds.length === 0) return;
  const first = result.revision - result.eventIds.length + 1;
  const events = await commands.log.readStream(result.streamId, { fromRevision: first });
  for (const recorded of events) {
    const cause = causingEvent(recorded);
    for (const process of processManagers) {
      if (!admits(process.filter, recorded) || !process.reactsTo(cause)) continue;
      const steps = new ProcessSteps(commands, process.name, cause, () => at);
      await process.react(cause, { steps, log: commands.log });
    }
  }
}
