import { contractsOf } from "../shared/contracts";
import { transferEventVersions } from "./events";
import { transferEventExamples } from "./examples";
import { transferStreamPrefix } from "./state";
import { transferEventUpcasters } from "./upcasters";

/** The published contracts of the transfer aggregate's events (see domain/event-catalogue.ts). */
export const transferEventContracts = contractsOf({
  streams: {
    context: "transfers",
    aggregate: "transfer",
    streamPrefix: transferStreamPrefix,
    idField: "transferId",
  },
  versions: transferEventVersions,
  upcasters: transferEventUpcasters,
  examples: transferEventExamples,
});
