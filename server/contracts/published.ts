import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  contractProblems,
  type EventContract,
  type EventVersionContract,
} from "../../domain/shared/contracts";
import type { RecordedEvent } from "../../eventstore/port";
import { readModelKeys } from "../../readmodels/keys";
import { allProjectors } from "../../readmodels/registry";
import type { Projector } from "../../readmodels/view";
import { renderCatalogue } from "./catalogue";
import { readingThroughContracts } from "./reading";
import { admits } from "../../eventstore/filter";

export { admits };

/**
 * What `npm run events:publish` writes, as files relative to the repository's root:
 * - `schema/events/<context>/<Type>.v<N>.json`: the JSON Schema (draft 2020-12) of every version of
 *   every event's data, `$id` the schema id the stored envelope names, with its examples;
 * - `schema/events/index.json`: every event, its aggregate, stream and versions, and their files;
 * - `docs/events.md`: the event catalogue for people.
 * All of it comes from the domain's catalogue (domain/event-catalogue.ts) and, for which views
 * consume each event, from the registered views' projectors.
 */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const schemaFolder = "schema/events";
export const catalogueFile = "docs/events.md";
export const indexFile = `${schemaFolder}/index.json`;

export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

export function schemaFileOf(contract: EventContract, version: number): string {
  return `${schemaFolder}/${contract.context}/${contract.type}.v${version}.json`;
}

/** A published schema document: the version's schema with its identity and examples. */
export type SchemaDocument = Record<string, unknown>;

export function schemaDocument(contract: EventContract, version: EventVersionContract): SchemaDocument {
  // JSON round trip: TypeBox marks schemas with symbol keys, which are no part of JSON Schema.
  const { description, ...schema } = JSON.parse(JSON.stringify(version.schema)) as Record<string, unknown>;
  const { type, required, properties, additionalProperties, ...rest } = schema;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: version.schemaId,
    title: `${contract.type} v${version.version}`,
    description,
    type,
    required,
    properties,
    additionalProperties,
    ...rest,
    examples: version.examples,
  };
}

/** The views (by projector name) whose projection writes something for each event type. */
export type Consumers = ReadonlyMap<string, readonly string[]>;

/**
 * Which views consume each event: a view does when its filter lets the event through and its
 * projection of one of the event's examples (read as the service reads it, through the contracts)
 * writes to Redis or announces a change. Projections are pure, so this runs no Redis.
 */
export function consumersOf(
  catalogue: readonly EventContract[],
  projectors: readonly Projector[] = allProjectors(readModelKeys("catalogue:")),
): Consumers {
  const consumers = new Map<string, string[]>();
  for (const contract of catalogue) {
    const names = projectors
      .filter((projector) =>
        examplesAsRecorded(contract).some((event) => {
          if (!admits(projector.filter, event)) return false;
          const projection = readingThroughContracts(projector).project(event);
          return projection.ops.length > 0 || projection.notices.length > 0;
        }),
      )
      .map((projector) => projector.name);
    consumers.set(contract.type, names);
  }
  return consumers;
}

/** Every example of every version of `contract`, as the first event of its entity's stream. */
export function examplesAsRecorded(contract: EventContract): RecordedEvent[] {
  return contract.versions.flatMap((version) =>
    version.examples.map((data) => exampleAsRecorded(contract, version.version, data)),
  );
}

export function exampleAsRecorded(
  contract: EventContract,
  schemaVersion: number,
  data: Readonly<Record<string, unknown>>,
  at: { revision?: number; position?: bigint } = {},
): RecordedEvent {
  const position = at.position ?? 1n;
  return {
    id: "00000000-0000-4000-8000-000000000001",
    streamId: `${contract.streamPrefix}${String(data[contract.idField])}`,
    revision: at.revision ?? 0,
    position: { commit: position, prepare: position },
    type: contract.type,
    data: data as RecordedEvent["data"],
    metadata: { correlationId: "example", userId: "example", timestamp: "2026-03-01T09:00:00.000Z" },
    schemaVersion,
    recordedAt: new Date("2026-03-01T09:00:00.000Z"),
  };
}

/**
 * What a catalogue lacks before it can be published, one line each: every version of every event
 * needs an example (a contract fixture) that fits its schema, and every version but the current one
 * an upcaster to the next. Empty when complete.
 */
export function catalogueGaps(catalogue: readonly EventContract[]): string[] {
  const gaps: string[] = [];
  for (const contract of catalogue) {
    for (const version of contract.versions) {
      const name = `${contract.type} v${version.version}`;
      const isCurrent = version.version === contract.versions.length;
      if (version.examples.length === 0)
        gaps.push(`${name} has no example (domain/${contract.context}/examples.ts)`);
      for (const [index, example] of version.examples.entries()) {
        for (const { field, problem } of contractProblems(version.schema, example)) {
          gaps.push(`${name}: example ${index + 1} does not fit its schema: ${field} ${problem}`);
        }
      }
      if (!isCurrent && !version.upcaster) {
        gaps.push(
          `${name} has no upcaster to v${version.version + 1} (domain/${contract.context}/upcasters.ts)`,
        );
      }
      if (isCurrent && version.upcaster) gaps.push(`${name} is the current version but has an upcaster`);
    }
  }
  return gaps;
}

/** Every file the catalogue publishes, by path relative to the repository root, with its text. */
export function publishedFiles(
  catalogue: readonly EventContract[],
  consumers: Consumers = consumersOf(catalogue),
): Map<string, string> {
  const files = new Map<string, string>();
  for (const contract of catalogue) {
    for (const version of contract.versions) {
      files.set(schemaFileOf(contract, version.version), json(schemaDocument(contract, version)));
    }
  }
  files.set(indexFile, json(indexDocument(catalogue)));
  files.set(catalogueFile, renderCatalogue(catalogue, consumers));
  return files;
}

function indexDocument(catalogue: readonly EventContract[]): Record<string, unknown> {
  return {
    description:
      "Every event Ledgerline stores: its aggregate and stream, and the JSON Schema of every version ever published. " +
      "Generated from domain/ by `npm run events:publish`; docs/events.md is the catalogue for people.",
    envelope: {
      type: "the event type",
      schemaVersion: "the version of `data`'s schema",
      "metadata.schemaId": "the $id of that schema",
    },
    events: catalogue.map((contract) => ({
      type: contract.type,
      context: contract.context,
      aggregate: contract.aggregate,
      stream: `${contract.streamPrefix}<${contract.idField}>`,
      currentVersion: contract.versions.length,
      versions: contract.versions.map((version) => ({
        version: version.version,
        schemaId: version.schemaId,
        file: relative(schemaFolder, schemaFileOf(contract, version.version)),
      })),
    })),
  };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The published files as they are under `root`: everything in schema/events/ and the catalogue. */
export function readPublished(root = repositoryRoot): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(join(root, folder), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".json")) files.set(path, readFileSync(join(root, path), "utf8"));
    }
  };
  walk(schemaFolder);
  try {
    files.set(catalogueFile, readFileSync(join(root, catalogueFile), "utf8"));
  } catch {
    // Not published yet.
  }
  return files;
}

/** Writes `files` under `root`, removing published schema files that are no longer among them. */
export function writePublished(files: ReadonlyMap<string, string>, root = repositoryRoot): void {
  for (const path of readPublished(root).keys()) {
    if (!files.has(path)) rmSync(join(root, path));
  }
  for (const [path, text] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}
