import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Type, type TObject, type TProperties, type TSchema } from "@sinclair/typebox";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { eventCatalogue } from "../../domain/event-catalogue";
import { field, type EventContract } from "../../domain/shared/contracts";
import { main } from "../../server/cli/events-publish";
import { compareSchemas, detectDrift } from "../../server/contracts/drift";
import {
  catalogueFile,
  catalogueGaps,
  publishedFiles,
  readPublished,
  repositoryRoot,
  schemaFolder,
} from "../../server/contracts/published";

/**
 * Drift between the code's event schemas and the published ones (schema/events/): CI fails when
 * they differ, saying whether the change is additive (allowed: regenerate) or breaking (a new
 * version with an upcaster is needed), and `npm run events:publish` refuses to publish a breaking one.
 */

const code = publishedFiles(eventCatalogue);

it("the published event schemas, index and catalogue are what the code publishes (else: npm run events:publish)", () => {
  const report = detectDrift(code, readPublished());
  expect(report.upToDate, report.message).toBe(true);
});

it("the README links the event catalogue", () => {
  const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8");
  expect(readme.includes(`](${catalogueFile})`), `README.md links ${catalogueFile}`).toBe(true);
});

/** The catalogue with one version's fields changed, as an edit of domain/<context>/events.ts would. */
function withFields(
  type: string,
  version: number,
  change: (properties: TProperties) => void,
): EventContract[] {
  return eventCatalogue.map((contract) => {
    if (contract.type !== type) return contract;
    return {
      ...contract,
      versions: contract.versions.map((v) => {
        if (v.version !== version) return v;
        const properties: TProperties = { ...v.schema.properties };
        change(properties);
        const schema: TObject = Type.Object(properties, {
          description: v.schema.description,
          additionalProperties: false,
        });
        return { ...v, schema };
      }),
    };
  });
}

const setField = (name: string, schema: TSchema) => (properties: TProperties) => {
  properties[name] = schema;
};

describe("a change to a published event without a new version", () => {
  it("is breaking when a field changes type: the drift check fails saying to add a version and an upcaster", () => {
    const changed = withFields(
      "MoneyDeposited",
      1,
      setField("amount", Type.String({ description: "The amount." })),
    );
    const report = detectDrift(publishedFiles(changed), readPublished());
    expect(report.upToDate).toBe(false);
    expect(
      report.breaking.map((drift) => [
        drift.title,
        drift.changes.map((c) => `${c.kind} ${c.field}: ${c.what}`),
      ]),
    ).toEqual([
      [
        "MoneyDeposited v1",
        ["additive amount: description changed", "breaking amount: changed from integer ≥ 1 to string"],
      ],
    ]);
    expect(report.message).toContain("BREAKING changes to published versions (not allowed):");
    expect(report.message).toContain("MoneyDeposited v1 (schema/events/banking/MoneyDeposited.v1.json):");
    expect(report.message).toContain("- breaking: amount: changed from integer ≥ 1 to string");
    expect(report.message).toContain(
      "Keep v1 as published and give the\n    new shape a new version: add v2 of MoneyDeposited",
    );
    expect(report.message).toContain(
      "an upcaster from the version before it (domain/<context>/upcasters.ts)",
    );
    expect(report.message).toContain("`npm run events:publish` refuses to publish them");
  });

  it("passes when it adds an optional field: additive, published by regenerating", () => {
    const changed = withFields(
      "MoneyDeposited",
      1,
      setField("note", Type.Optional(field.text("A note for the account holder."))),
    );
    const report = detectDrift(publishedFiles(changed), readPublished());
    expect(report.breaking).toEqual([]);
    expect(report.additive.map((drift) => [drift.title, drift.changes])).toEqual([
      [
        "MoneyDeposited v1",
        [{ kind: "additive", field: "note", what: "new optional field (string (non-empty))" }],
      ],
    ]);
    expect(report.message).toContain("Additive changes (allowed):");
    expect(report.message).toContain(
      "Run `npm run events:publish` and commit schema/events/ and docs/events.md.",
    );
  });
});

describe("npm run events:publish", () => {
  let root: string;
  let printed: string[];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "events-publish-"));
    cpSync(join(repositoryRoot, schemaFolder), join(root, schemaFolder), { recursive: true });
    cpSync(join(repositoryRoot, catalogueFile), join(root, catalogueFile));
    printed = [];
    const capture = (...args: unknown[]) => void printed.push(args.join(" "));
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it("refuses a breaking change and writes nothing", () => {
    const before = readPublished(root);
    const changed = withFields("OrderShipped", 1, (properties) => {
      delete properties.trackingNumber;
    });
    expect(main([], root, changed)).toBe(1);
    expect(printed.join("\n")).toContain(
      "- breaking: trackingNumber: removed (stored events that have it no longer fit)",
    );
    expect(readPublished(root)).toEqual(before);
  });

  it("publishes an additive change, after which the check passes", () => {
    const changed = withFields(
      "OrderShipped",
      1,
      setField("carrier", Type.Optional(field.text("The carrier."))),
    );
    expect(main(["--check"], root, changed)).toBe(1);
    expect(main([], root, changed)).toBe(0);
    expect(printed.join("\n")).toContain("Wrote docs/events.md, schema/events/ordering/OrderShipped.v1.json");
    expect(
      JSON.parse(readFileSync(join(root, schemaFolder, "ordering/OrderShipped.v1.json"), "utf8")),
    ).toMatchObject({
      properties: { carrier: { type: "string" } },
    });
    expect(main(["--check"], root, changed)).toBe(0);
  });

  it("refuses a new version without an example or an upcaster", () => {
    const shipped = eventCatalogue.find((contract) => contract.type === "OrderShipped")!;
    const v1 = shipped.versions[0]!;
    const changed = eventCatalogue.map((contract) =>
      contract === shipped
        ? {
            ...contract,
            versions: [
              v1,
              { ...v1, version: 2, schemaId: "urn:ledgerline:event:OrderShipped:v2", examples: [] },
            ],
          }
        : contract,
    );
    expect(catalogueGaps(eventCatalogue)).toEqual([]);
    expect(catalogueGaps(changed)).toEqual([
      "OrderShipped v1 has no upcaster to v2 (domain/ordering/upcasters.ts)",
      "OrderShipped v2 has no example (domain/ordering/examples.ts)",
    ]);
    expect(main([], root, changed)).toBe(1);
    expect(printed.join("\n")).toContain("The event catalogue is incomplete:");
  });

  it("--help prints the usage and exits 0 (as a process)", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "server/cli/events-publish.ts", "--help"],
      { cwd: repositoryRoot },
    );
    expect(stdout).toContain("Usage: npm run events:publish [-- --check]");
  });
});

describe("how a change to a published schema is classified", () => {
  const integer = { type: "integer", minimum: 1 };
  const object = (properties: Record<string, unknown>, required: string[]) => ({
    type: "object",
    properties,
    required,
    additionalProperties: false,
  });
  const codes = (...values: string[]) => ({
    anyOf: values.map((value) => ({ const: value, type: "string" })),
  });
  const kinds = (before: Record<string, unknown>, after: Record<string, unknown>) =>
    compareSchemas(before, after).map((change) => `${change.kind} ${change.field}: ${change.what}`);

  it.each([
    [
      "a field removed",
      object({ a: integer, b: integer }, ["a", "b"]),
      object({ a: integer }, ["a"]),
      "breaking b: removed",
    ],
    [
      "a new required field",
      object({ a: integer }, ["a"]),
      object({ a: integer, b: integer }, ["a", "b"]),
      "breaking b: new required field",
    ],
    [
      "a field made required",
      object({ a: integer, b: integer }, ["a"]),
      object({ a: integer, b: integer }, ["a", "b"]),
      "breaking b: now required",
    ],
    [
      "a field made optional",
      object({ a: integer, b: integer }, ["a", "b"]),
      object({ a: integer, b: integer }, ["a"]),
      "additive b: now optional",
    ],
    [
      "a minimum raised",
      object({ a: integer }, ["a"]),
      object({ a: { type: "integer", minimum: 5 } }, ["a"]),
      "breaking a: changed from integer ≥ 1 to integer ≥ 5",
    ],
    [
      "a minimum lowered",
      object({ a: integer }, ["a"]),
      object({ a: { type: "integer", minimum: 0 } }, ["a"]),
      "additive a: widened from integer ≥ 1 to integer ≥ 0",
    ],
    [
      "integer to number",
      object({ a: integer }, ["a"]),
      object({ a: { type: "number", minimum: 1 } }, ["a"]),
      "additive a: widened",
    ],
    [
      "a code added",
      object({ r: codes("x", "y") }, ["r"]),
      object({ r: codes("x", "y", "z") }, ["r"]),
      'additive r: widened from "x" | "y" to "x" | "y" | "z"',
    ],
    [
      "a code removed",
      object({ r: codes("x", "y") }, ["r"]),
      object({ r: codes("x") }, ["r"]),
      "breaking r: changed",
    ],
    [
      "null allowed",
      object({ s: { type: "string" } }, ["s"]),
      object({ s: { anyOf: [{ type: "string" }, { type: "null" }] } }, ["s"]),
      "additive s: widened",
    ],
    [
      "a pattern added",
      object({ s: { type: "string" } }, ["s"]),
      object({ s: { type: "string", pattern: "^[A-Z]+$" } }, ["s"]),
      "breaking s: changed",
    ],
    [
      "a nested field retyped",
      object({ l: { type: "array", items: object({ q: integer }, ["q"]) } }, ["l"]),
      object({ l: { type: "array", items: object({ q: { type: "string" } }, ["q"]) } }, ["l"]),
      "breaking l[].q: changed from integer ≥ 1 to string",
    ],
    [
      "fewer items allowed",
      object({ l: { type: "array", items: integer, minItems: 1 } }, ["l"]),
      object({ l: { type: "array", items: integer } }, ["l"]),
      "additive l: now needs at least 0 items",
    ],
    [
      "only a description",
      { ...object({ a: integer }, ["a"]), description: "old" },
      { ...object({ a: integer }, ["a"]), description: "new" },
      "additive : description changed",
    ],
  ])("%s", (_, before, after, expected) => {
    const changes = kinds(before, after);
    expect(
      changes.some((change) => change.startsWith(expected)),
      changes.join("\n"),
    ).toBe(true);
    const breaking = expected.startsWith("breaking");
    expect(changes.some((change) => change.startsWith("breaking"))).toBe(breaking);
  });

  it("a published version gone from the code is breaking", () => {
    const withoutV1 = new Map([...code].filter(([path]) => !path.endsWith("OrderPlaced.v1.json")));
    const report = detectDrift(withoutV1, readPublished());
    expect(report.breaking.map((drift) => [drift.title, drift.changes[0]?.what])).toEqual([
      [
        "OrderPlaced v1",
        "was published but is no longer in the code: stored events of this version could not be read",
      ],
    ]);
  });
});
