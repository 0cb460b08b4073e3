import { pino } from "pino";
import type { Log } from "../projectors/log";

/** Structured JSON logs on stdout (one object per line), as log collectors expect. */
export function createLog(level: string): Log & { child(bindings: object): Log } {
  return pino({ level, base: { service: "ledgerline" } });
}
