import { nowMs } from "../clock";
import { latencyRecorder } from "../histogram";
import { keepAliveAgent, postJson } from "./http";
import type { OpenLoopResult, OpenLoopTask } from "./tasks";

/**
 * A fixed arrival rate: request i is due at start + i / rate whatever happened before, and its
 * latency counts from when it was due, not from when a socket was free. A stall in the server
 * therefore shows in every request it delayed (no coordinated omission).
 */
export async function openLoop(task: OpenLoopTask): Promise<OpenLoopResult> {
  const agent = keepAliveAgent(task.sockets);
  const recorder = latencyRecorder();
  const total = Math.max(1, Math.round(task.ratePerSecond * task.seconds));
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  const start = nowMs() + 5;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((nowMs() - start) * task.ratePerSecond) / 1000) + 1);
      while (sent < due) {
        const dueAt = start + (sent * 1000) / task.ratePerSecond;
        sent++;
        inFlight.push(
          postJson(agent, task.url, task.body, task.authorization).then(
            (answer) => {
              if (answer.status !== 200 || answer.body.includes('"errors"')) failed++;
              else recorder.record(nowMs() - dueAt);
            },
            () => {
              failed++;
            },
          ),
        );
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 5);
  });
  await Promise.all(inFlight);
  agent.destroy();
  return { latency: recorder.summary(), sent, failed };
}
