import { contractsOf } from "../shared/contracts";
import { productEventVersions } from "./events";
import { productEventExamples } from "./examples";
import { productStreamPrefix } from "./state";
import { productEventUpcasters } from "./upcasters";

/** The published contracts of the product aggregate's events (see domain/event-catalogue.ts). */
export const productEventContracts = contractsOf({
  streams: {
    context: "catalog",
    aggregate: "product",
    streamPrefix: productStreamPrefix,
    idField: "productId",
  },
  versions: productEventVersions,
  upcasters: productEventUpcasters,
  examples: productEventExamples,
});
