/**
 * The load-driver process. It generates load and receives pushes on its own event loop (and so,
 * on a 2-core machine, mostly on the other core), so the service under test never shares its
 * event loop with the code measuring it. Tasks arrive over IPC, one at a time.
 */
import { closedLoop, hgetallLoop } from "./closed-loop";
import { pubSubLag, writeToReadLag } from "./lag";
import { openLoop } from "./open-loop";
import { closeSse, openSse, sseChange } from "./sse";
import type { DriverReply, DriverTask } from "./tasks";

function run(task: DriverTask): Promise<unknown> {
  switch (task.kind) {
    case "closed-loop":
      return closedLoop(task);
    case "hgetall":
      return hgetallLoop(task);
    case "open-loop":
      return openLoop(task);
    case "write-lag":
      return writeToReadLag(task);
    case "pubsub-lag":
      return pubSubLag(task);
    case "sse-open":
      return openSse(task);
    case "sse-change":
      return sseChange(task);
    case "sse-close":
      return closeSse(task);
  }
}

// Ctrl-C reaches the whole process group; the harness decides when this process ends.
process.on("SIGINT", () => undefined);
process.on("disconnect", () => process.exit(0));
process.on("message", (message: { id: number; task: DriverTask }) => {
  run(message.task).then(
    (result) => process.send!({ id: message.id, ok: true, result } satisfies DriverReply),
    (error: unknown) =>
      process.send!({
        id: message.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies DriverReply),
  );
});
process.send!({ id: 0, ok: true, result: "ready" } satisfies DriverReply);
