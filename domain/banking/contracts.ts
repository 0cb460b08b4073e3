import { contractsOf } from "../shared/contracts";
import { accountEventVersions } from "./events";
import { accountEventExamples } from "./examples";
import { accountStreamPrefix } from "./state";
import { accountEventUpcasters } from "./upcasters";

/** The published contracts of the account aggregate's events (see domain/event-catalogue.ts). */
export const accountEventContracts = contractsOf({
  streams: {
    context: "banking",
    aggregate: "account",
    streamPrefix: accountStreamPrefix,
    idField: "accountId",
  },
  versions: accountEventVersions,
  upcasters: accountEventUpcasters,
  examples: accountEventExamples,
});
