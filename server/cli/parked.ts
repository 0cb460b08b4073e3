import { Redis } from "ioredis";
import { openEventStore } from "../../eventstore/open";
import { formatPosition } from "../../eventstore/position";
import { allProjectors } from "../../projectors/registry";
import { projectorGroup } from "../../projectors/runtime";
import { skipParkedEvent } from "../../projectors/parking";
import { readModelKeys } from "../../readmodels/keys";
import { loadConfig } from "../config";

const usage = `Usage:
  npm run parked -- list   <projector> [--limit N]   parked events, oldest first
  npm run parked -- replay <projector> [--limit N]   put them back in front of the projector (after a fix)
  npm run parked -- skip   <projector> <eventId>     never apply that event: it passes as a no-op and the
                                                     events parked behind it apply in order

Projectors: ${allProjectors(readModelKeys())
  .map((p) => p.name)
  .join(", ")}
Uses EVENT_STORE_URL / EVENT_STORE_SCHEMA like the service. With the embedded store (PGlite), stop
the service first or use the admin GraphQL operations (parkedEvents, replayParkedEvents).`;

async function main(argv: string[]): Promise<number> {
  const [command, projector] = argv;
  const limitIndex = argv.indexOf("--limit");
  const limit = limitIndex >= 0 ? Number(argv[limitIndex + 1]) : 100;
  const known = allProjectors(readModelKeys()).map((p) => p.name);
  if (
    !command ||
    !projector ||
    !["list", "replay"].includes(command) ||
    !Number.isInteger(limit) ||
    limit < 1
  ) {
    console.error(usage);
    return 2;
  }
  if (!known.includes(projector)) {
    console.error(`Unknown projector "${projector}". Known: ${known.join(", ")}`);
    return 2;
  }
  const config = loadConfig();
  const store = await openEventStore(config.eventStoreUrl, { schema: config.eventStoreSchema });
  try {
    const group = projectorGroup(projector);
    if (command === "list") {
      const parked = await store.listParked(group, { limit });
      if (parked.length === 0) console.log(`No parked events for ${projector}.`);
      for (const p of parked) {
        const age = Math.round((Date.now() - p.parkedAt.getTime()) / 1000);
        console.log(
          `${formatPosition(p.event.position)}  ${p.event.streamId}@${p.event.revision}  ${p.event.type}  ` +
            `attempts=${p.attempts}  age=${age}s  ${p.reason}`,
        );
      }
    } else if (command === "skip") {
      const eventId = argv[2];
      if (!eventId) {
        console.error(usage);
        return 2;
      }
      const redis = new Redis(config.redisUrl);
      try {
        const replayed = await skipParkedEvent(
          store,
          redis,
          readModelKeys(config.redisPrefix),
          projector,
          eventId,
        );
        if (replayed === null) {
          console.error(`Event ${eventId} is not parked for ${projector}.`);
          return 1;
        }
        console.log(`Skipping ${eventId}: ${replayed} parked event(s) put back in front of ${projector}.`);
      } finally {
        redis.disconnect();
      }
    } else {
      const replayed = await store.replayParked(group, { limit });
      console.log(`Put ${replayed} parked event(s) back in front of ${projector}.`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
