import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import Ajv2020 from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import { eventCatalogue, readEvent } from "../../domain/event-catalogue";
import { contractProblems, type EventContract } from "../../domain/shared/contracts";
import type { RecordedEvent } from "../../eventstore/port";
import { readModelKeys } from "../../readmodels/keys";
import { allProjectors } from "../../readmodels/registry";
import type { Projector } from "../../readmodels/view";
import { readingThroughContracts } from "../../server/contracts/reading";
import {
  admits,
  catalogueGaps,
  consumersOf,
  exampleAsRecorded,
  repositoryRoot,
  schemaFileOf,
} from "../../server/contracts/published";
import { MemoryViews } from "../support/projection-spec";

/**
 * The contract tests: the examples of every event type in every version ever published (the
 * fixtures, domain/<context>/examples.ts) fit their schema, in the code and as published (checked
 * with ajv, as a consumer outside this codebase would), are upcast to today's version and still fit,
 * and go through every view's projector that takes them, whose output is checked against the
 * recorded one (__snapshots__/fixtures.test.ts.snap: review it like code). A version without an
 * example or an upcaster fails here (and does not compile: EventExamples, Upcasters).
 */

const ajv = new Ajv2020({ strict: true, allErrors: true });
const published = (contract: EventContract, version: number): Record<string, unknown> =>
  JSON.parse(readFileSync(join(repositoryRoot, schemaFileOf(contract, version)), "utf8"));
const validators = new Map(
  eventCatalogue.flatMap((contract) =>
    contract.versions.map((version) => [version.schemaId, ajv.compile(published(contract, version.version))]),
  ),
);

const keys = readModelKeys("contract:");
const projectors = allProjectors(keys);

const cases = eventCatalogue.flatMap((contract) =>
  contract.versions.flatMap((version) =>
    version.examples.map((data, index) => ({
      name: `${contract.type} v${version.version} example ${index + 1}`,
      contract,
      version: version.version,
      schemaId: version.schemaId,
      data,
    })),
  ),
);

it("every version of every event has an example, every version below the current one an upcaster", () => {
  expect(catalogueGaps(eventCatalogue)).toEqual([]);
  for (const contract of eventCatalogue) {
    expect(contract.versions.map((version) => version.version)).toEqual(
      contract.versions.map((_, index) => index + 1),
    );
  }
  expect(new Set(cases.map((c) => `${c.contract.type} v${c.version}`)).size).toBe(
    eventCatalogue.reduce((count, contract) => count + contract.versions.length, 0),
  );
});

for (const { name, contract, version, schemaId, data } of cases) {
  describe(name, () => {
    const current = contract.versions.at(-1)!;
    const recorded = exampleAsRecorded(contract, version, data, { position: 7n });
    const today = readEvent(recorded);

    it("fits its schema, in the code and as published (ajv, JSON Schema 2020-12)", () => {
      expect(contractProblems(contract.versions[version - 1]!.schema, data)).toEqual([]);
      const validate = validators.get(schemaId)!;
      expect(validate(data), ajv.errorsText(validate.errors)).toBe(true);
    });

    it(`is upcast to v${current.version}, which fits today's schema`, () => {
      expect(today.schemaVersion).toBe(current.version);
      expect(contractProblems(current.schema, today.data)).toEqual([]);
      const validate = validators.get(current.schemaId)!;
      expect(validate(today.data), ajv.errorsText(validate.errors)).toBe(true);
    });

    const takers = projectors.filter((projector) => admits(projector.filter, recorded));
    for (const projector of takers) {
      it(`through the ${projector.name} projector`, () => {
        const asServiceRunsIt = project(readingThroughContracts(projector), recorded);
        expect(asServiceRunsIt).toMatchSnapshot();
        // The projector as registered reads an old version as it reads the same fact written today.
        expect(project(projector, recorded)).toEqual(project(projector, today));
        expect(asServiceRunsIt).toEqual(project(projector, today));
      });
    }
  });
}

it("the catalogue's consumers are the views whose projection of an example writes something", () => {
  const consumers = consumersOf(eventCatalogue, projectors);
  for (const contract of eventCatalogue) {
    const writers = projectors.filter((projector) =>
      contract.versions.some((version) =>
        version.examples.some((data) => {
          const event = exampleAsRecorded(contract, version.version, data);
          if (!admits(projector.filter, event)) return false;
          const reading = readingThroughContracts(projector);
          const guardOnly: Projector = {
            ...reading,
            project: (e) => ({ ...reading.project(e), ops: [], notices: [] }),
          };
          return !isDeepStrictEqual(project(reading, event), project(guardOnly, event));
        }),
      ),
    );
    expect(consumers.get(contract.type), contract.type).toEqual(writers.map((projector) => projector.name));
  }
});

/** What one event does to a view: the keys it writes, read back as Redis holds them, and its notices. */
function project(projector: Projector, event: RecordedEvent) {
  const memory = new MemoryViews();
  const projection = projector.project(event);
  memory.apply(projection);
  const views: Record<string, unknown> = {};
  for (const key of memory.keys()) {
    const stream = memory.stream(key);
    const zset = memory.zset(key);
    const hash = memory.hash(key);
    views[key] = stream.length > 0 ? { stream } : zset.length > 0 ? { zset } : { hash };
  }
  return { guard: projection.guard, views, notices: memory.notices };
}
