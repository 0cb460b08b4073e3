import type { CommandResult } from "../../commands/result";
import type { CommandRuntime } from "../../commands/runtime";
import { orderStockProcess } from "../../jobs/processes/order-stock";
import { ProcessSteps, type CausingEvent } from "../../jobs/processes/steps";

/**
 * The demo runs the order-stock process itself, right after each order command, at the step's
 * instant: a load then needs no worker, and the next step (paying an order, say) finds the order
 * already answered. The steps are the worker's, keyed by the causing event: a worker that meets the
 * same events later replays them and appends nothing.
 */
export async function settleOrderStock(
  commands: CommandRuntime,
  result: CommandResult,
  at: Date,
): Promise<void> {
  if (result.eventIds.length === 0) return;
  const first = result.revision - result.eventIds.length + 1;
  const events = await commands.log.readStream(result.streamId, { fromRevision: first });
  for (const recorded of events) {
    const { id, streamId, revision, type, data, metadata, schemaVersion } = recorded;
    const cause: CausingEvent = { id, streamId, revision, type, data, metadata, schemaVersion };
    if (!orderStockProcess.filter.eventTypes?.includes(type) || !orderStockProcess.reactsTo(cause)) continue;
    const steps = new ProcessSteps(commands, orderStockProcess.name, cause, () => at);
    await orderStockProcess.react(cause, { steps, log: commands.log });
  }
}
