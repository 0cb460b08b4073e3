import { openEventStore } from "../../eventstore/open";
import { formatPosition } from "../../eventstore/position";
import { allProjectors } from "../../projectors/registry";
import { ParkedEvents } from "../../projectors/parked-events";
import { readModelKeys } from "../../readmodels/keys";
import { loadConfig } from "../config";
import { connectRedis } from "./redis";
import { CommandFailed, integerOption, parseCommandLine, runCommand, UsageError } from "./args";

const projectors = allProjectors(readModelKeys()).map((p) => p.name);

const usage = `Usage:
  npm run parked -- list   <projector> [--limit N]   parked events, oldest first
  npm run parked -- replay <projector> [--limit N]   put them back in front of the projector (after a fix)
  npm run parked -- skip   <projector> <eventId>     never apply that event: it passes as a no-op and the
                                                     events parked behind it apply in order

  --limit N   how many (default 100)
  --help      this text

Projectors: ${projectors.join(", ")}
Uses EVENT_STORE_URL / EVENT_STORE_SCHEMA (and REDIS_URL or REDIS_CLUSTER_NODES for skip) like the service. With the embedded
store (PGlite), stop the service first or use the admin GraphQL operations (parkedEvents,
replayParkedEvents, skipParkedEvent).
Exit codes: 0 done, 1 failed (e.g. the event is not parked), 2 wrong arguments.`;

const commands = ["list", "replay", "skip"] as const;
type Command = (typeof commands)[number];

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv, { limit: { type: "string" } }, true);
  if (parsed === null) {
    console.log(usage);
    return 0;
  }
  const [command, projector, eventId, ...extra] = parsed.positionals;
  if (command === undefined) throw new UsageError("missing the command: list, replay or skip");
  if (!commands.includes(command as Command)) {
    throw new UsageError(`unknown command "${command}": use list, replay or skip`);
  }
  if (projector === undefined)
    throw new UsageError(`${command}: missing the projector (${projectors.join(", ")})`);
  if (!projectors.includes(projector)) {
    throw new UsageError(`unknown projector "${projector}"; known: ${projectors.join(", ")}`);
  }
  if (command === "skip") {
    if (eventId === undefined) throw new UsageError("skip: missing the event id (see `list`)");
    if (parsed.values.limit !== undefined) throw new UsageError("skip takes no --limit");
  }
  const unexpected = command === "skip" ? extra : [eventId, ...extra].filter((x) => x !== undefined);
  if (unexpected.length > 0) throw new UsageError(`unexpected argument "${unexpected[0]}"`);
  const limit = integerOption("limit", parsed.values.limit, 100);

  const config = loadConfig();
  const store = await openEventStore(config.eventStoreUrl, { schema: config.eventStoreSchema });
  // Every partition's parked events (PROJECTOR_PARTITIONS), as the GraphQL admin fields see them.
  const held = new ParkedEvents(store, config.projectorPartitions);
  try {
    switch (command as Command) {
      case "list": {
        const parked = await held.list(projector, limit);
        if (parked.length === 0) console.log(`No parked events for ${projector}.`);
        for (const p of parked) {
          const age = Math.round((Date.now() - p.parkedAt.getTime()) / 1000);
          console.log(
            `${formatPosition(p.event.position)}  ${p.event.streamId}@${p.event.revision}  ${p.event.type}  ` +
              `attempts=${p.attempts}  age=${age}s  ${p.reason}`,
          );
        }
        return 0;
      }
      case "replay": {
        const replayed = await held.replay(projector, limit);
        console.log(`Put ${replayed} parked event(s) back in front of ${projector}.`);
        return 0;
      }
      case "skip": {
        const tool = await connectRedis(config);
        try {
          const replayed = await held.skip(tool.redis, tool.keys, projector, eventId!);
          if (replayed === null) throw new CommandFailed(`event ${eventId} is not parked for ${projector}`);
          console.log(`Skipping ${eventId}: ${replayed} parked event(s) put back in front of ${projector}.`);
          return 0;
        } finally {
          tool.close();
        }
      }
    }
  } finally {
    await store.close();
  }
}

runCommand("parked", main);
