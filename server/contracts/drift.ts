import { isDeepStrictEqual } from "node:util";
import { typeText } from "../../domain/shared/contracts";
import { catalogueFile, indexFile } from "./published";

/**
 * Drift between the event schemas the code has and the ones published in schema/events/. A
 * published version is a contract stored events keep forever, so a change to it is classified by
 * one question: does every event valid under the published schema still fit the code's?
 *
 * - additive (allowed; regenerate the files): a new event type or version, a new optional field, a
 *   field made optional, a rule loosened (a wider range, a longer text, a new code in a list), a
 *   changed description or example;
 * - breaking (not allowed within a version): a field removed, renamed, retyped or made required, a
 *   new required field, a rule tightened, a published version gone. Stored events of that version
 *   would no longer fit, or be read as something they are not: the new shape is a new version,
 *   with an upcaster from the one before.
 *
 * Schemas are matched by `$id` (the schema id events carry), so a moved file is no change.
 */

type Schema = Record<string, unknown>;

export type ChangeKind = "additive" | "breaking";

export interface SchemaChange {
  readonly kind: ChangeKind;
  /** The field it is about (`lines[].quantity`), or "" for the event as a whole. */
  readonly field: string;
  readonly what: string;
}

export interface SchemaDrift {
  /** The schema id (`urn:ledgerline:event:<Type>:v<N>`). */
  readonly schemaId: string;
  readonly title: string;
  /** Where it is (or will be) published. */
  readonly file: string;
  readonly kind: ChangeKind;
  readonly changes: readonly SchemaChange[];
}

export interface DriftReport {
  /** The published files are exactly what the code publishes. */
  readonly upToDate: boolean;
  readonly breaking: readonly SchemaDrift[];
  readonly additive: readonly SchemaDrift[];
  /** Files to (re)write or remove, breaking or not (index and catalogue included). */
  readonly staleFiles: readonly string[];
  /** What differs and what to do about it; "" when up to date. */
  readonly message: string;
}

const ANNOTATIONS = ["title", "description", "examples", "$comment", "$id", "$schema", "default"] as const;

/** Compares the files the code publishes with the published ones (both: path → text). */
export function detectDrift(
  code: ReadonlyMap<string, string>,
  published: ReadonlyMap<string, string>,
): DriftReport {
  const codeSchemas = schemasById(code);
  const publishedSchemas = schemasById(published);
  const drifts: SchemaDrift[] = [];
  for (const [id, { file, schema }] of codeSchemas) {
    const before = publishedSchemas.get(id);
    const title = String(schema.title ?? id);
    if (!before) {
      drifts.push({
        schemaId: id,
        title,
        file,
        kind: "additive",
        changes: [{ kind: "additive", field: "", what: "not published yet (a new event type or version)" }],
      });
      continue;
    }
    const changes = compareSchemas(before.schema, schema);
    if (changes.length === 0 && before.file !== file) {
      changes.push({ kind: "additive", field: "", what: `moved from ${before.file}` });
    }
    if (changes.length === 0) continue;
    const kind = changes.some((change) => change.kind === "breaking") ? "breaking" : "additive";
    drifts.push({ schemaId: id, title, file, kind, changes });
  }
  for (const [id, { file, schema }] of publishedSchemas) {
    if (codeSchemas.has(id)) continue;
    drifts.push({
      schemaId: id,
      title: String(schema.title ?? id),
      file,
      kind: "breaking",
      changes: [
        {
          kind: "breaking",
          field: "",
          what: "was published but is no longer in the code: stored events of this version could not be read",
        },
      ],
    });
  }
  const staleFiles = [
    ...[...code].filter(([path, text]) => published.get(path) !== text).map(([path]) => path),
    ...[...published.keys()].filter((path) => !code.has(path)),
  ].sort();
  const breaking = drifts.filter((drift) => drift.kind === "breaking");
  const additive = drifts.filter((drift) => drift.kind === "additive");
  const upToDate = staleFiles.length === 0;
  return {
    upToDate,
    breaking,
    additive,
    staleFiles,
    message: upToDate ? "" : explain(breaking, additive, staleFiles),
  };
}

function schemasById(files: ReadonlyMap<string, string>): Map<string, { file: string; schema: Schema }> {
  const schemas = new Map<string, { file: string; schema: Schema }>();
  for (const [file, text] of files) {
    if (!file.endsWith(".json") || file === indexFile) continue;
    let schema: Schema;
    try {
      schema = JSON.parse(text) as Schema;
    } catch {
      continue;
    }
    if (typeof schema.$id === "string") schemas.set(schema.$id, { file, schema });
  }
  return schemas;
}

function explain(
  breaking: readonly SchemaDrift[],
  additive: readonly SchemaDrift[],
  stale: readonly string[],
): string {
  const lines: string[] = ["The event schemas in the code differ from the published ones (schema/events/)."];
  if (breaking.length > 0) {
    lines.push("", "BREAKING changes to published versions (not allowed):");
    for (const drift of breaking) {
      lines.push(
        `  ${drift.title} (${drift.file}):`,
        ...drift.changes.map((change) => `    - ${describe(change)}`),
      );
      const [type, version] = drift.title.split(" v");
      lines.push(
        `    Stored ${drift.title} events would no longer fit their schema. Keep v${version} as published and give the`,
        `    new shape a new version: add v${Number(version) + 1} of ${type} to the context's event versions`,
        "    (domain/<context>/events.ts), an upcaster from the version before it (domain/<context>/upcasters.ts) and",
        "    an example of it (domain/<context>/examples.ts); then run `npm run events:publish`.",
      );
    }
  }
  if (additive.length > 0) {
    lines.push("", "Additive changes (allowed):");
    for (const drift of additive) {
      lines.push(
        `  ${drift.title} (${drift.file}):`,
        ...drift.changes.map((change) => `    - ${describe(change)}`),
      );
    }
  }
  lines.push("", `Files out of date: ${stale.join(", ")}.`);
  lines.push(
    breaking.length > 0
      ? "Fix the breaking changes first: `npm run events:publish` refuses to publish them."
      : `Run \`npm run events:publish\` and commit schema/events/ and ${catalogueFile}.`,
  );
  return lines.join("\n");
}

function describe(change: SchemaChange): string {
  return `${change.kind}: ${change.field ? `${change.field}: ` : ""}${change.what}`;
}

/** What changed from `before` (published) to `after` (the code), each change classified. */
export function compareSchemas(before: Schema, after: Schema, field = ""): SchemaChange[] {
  if (isDeepStrictEqual(before, after)) return [];
  const changes: SchemaChange[] = [];
  for (const key of ANNOTATIONS) {
    if (key === "$id" || key === "$schema" || key === "title") continue;
    if (!isDeepStrictEqual(before[key], after[key])) {
      changes.push({ kind: "additive", field, what: `${key === "examples" ? "examples" : key} changed` });
    }
  }
  const was = structure(before);
  const is = structure(after);
  if (isDeepStrictEqual(was, is)) return changes;
  if (was.type === "object" && is.type === "object") return [...changes, ...objectChanges(was, is, field)];
  if (was.type === "array" && is.type === "array") return [...changes, ...arrayChanges(was, is, field)];
  if (accepts(is, was)) {
    return [
      ...changes,
      { kind: "additive", field, what: `widened from ${typeText(was)} to ${typeText(is)}` },
    ];
  }
  return [...changes, { kind: "breaking", field, what: `changed from ${typeText(was)} to ${typeText(is)}` }];
}

function objectChanges(before: Schema, after: Schema, field: string): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const was = (before.properties ?? {}) as Record<string, Schema>;
  const is = (after.properties ?? {}) as Record<string, Schema>;
  const wasRequired = new Set((before.required ?? []) as string[]);
  const isRequired = new Set((after.required ?? []) as string[]);
  const closedBefore = before.additionalProperties === false;
  const closedAfter = after.additionalProperties === false;
  const at = (name: string) => (field ? `${field}.${name}` : name);
  for (const [name, schema] of Object.entries(was)) {
    if (!(name in is)) {
      changes.push(
        closedAfter
          ? { kind: "breaking", field: at(name), what: "removed (stored events that have it no longer fit)" }
          : { kind: "additive", field: at(name), what: "no longer described" },
      );
      continue;
    }
    changes.push(...compareSchemas(schema, is[name]!, at(name)));
    if (wasRequired.has(name) && !isRequired.has(name)) {
      changes.push({ kind: "additive", field: at(name), what: "now optional" });
    }
    if (!wasRequired.has(name) && isRequired.has(name)) {
      changes.push({
        kind: "breaking",
        field: at(name),
        what: "now required (stored events without it no longer fit)",
      });
    }
  }
  for (const [name, schema] of Object.entries(is)) {
    if (name in was) continue;
    if (isRequired.has(name)) {
      changes.push({
        kind: "breaking",
        field: at(name),
        what: "new required field (stored events do not have it)",
      });
    } else if (closedBefore || isAny(schema)) {
      changes.push({ kind: "additive", field: at(name), what: `new optional field (${typeText(schema)})` });
    } else {
      changes.push({
        kind: "breaking",
        field: at(name),
        what: "new field restricting what stored events may hold under that name",
      });
    }
  }
  if (closedBefore && !closedAfter)
    changes.push({ kind: "additive", field, what: "now accepts other fields" });
  if (!closedBefore && closedAfter)
    changes.push({ kind: "breaking", field, what: "no longer accepts other fields" });
  changes.push(
    ...otherKeywords(before, after, field, ["type", "properties", "required", "additionalProperties"]),
  );
  return changes;
}

function arrayChanges(before: Schema, after: Schema, field: string): SchemaChange[] {
  const changes = compareSchemas((before.items ?? {}) as Schema, (after.items ?? {}) as Schema, `${field}[]`);
  const wasMin = Number(before.minItems ?? 0);
  const isMin = Number(after.minItems ?? 0);
  const wasMax = Number(before.maxItems ?? Infinity);
  const isMax = Number(after.maxItems ?? Infinity);
  if (isMin > wasMin) changes.push({ kind: "breaking", field, what: `now needs at least ${isMin} items` });
  if (isMin < wasMin) changes.push({ kind: "additive", field, what: `now needs at least ${isMin} items` });
  if (isMax < wasMax) changes.push({ kind: "breaking", field, what: `now holds at most ${isMax} items` });
  if (isMax > wasMax) changes.push({ kind: "additive", field, what: "now holds more items" });
  changes.push(...otherKeywords(before, after, field, ["type", "items", "minItems", "maxItems"]));
  return changes;
}

/** Keywords the comparisons above do not reason about: any change to them counts as breaking. */
function otherKeywords(
  before: Schema,
  after: Schema,
  field: string,
  handled: readonly string[],
): SchemaChange[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((key) => !handled.includes(key) && !isDeepStrictEqual(before[key], after[key]))
    .map((key) => ({ kind: "breaking" as const, field, what: `${key} changed` }));
}

/** The schema without annotations (which never change what fits). */
function structure(schema: Schema): Schema {
  return Object.fromEntries(
    Object.entries(schema).filter(([key]) => !(ANNOTATIONS as readonly string[]).includes(key)),
  );
}

function isAny(schema: Schema): boolean {
  return Object.keys(structure(schema)).length === 0;
}

/** Whether every value `narrow` accepts, `wide` accepts too (conservative: unsure is no). */
export function accepts(wide: Schema, narrow: Schema): boolean {
  const wides = branches(wide);
  return branches(narrow).every((n) => wides.some((w) => branchAccepts(w, n)));
}

function branches(schema: Schema): Schema[] {
  return Array.isArray(schema.anyOf) ? (schema.anyOf as Schema[]).map(structure) : [structure(schema)];
}

function branchAccepts(wide: Schema, narrow: Schema): boolean {
  if (isDeepStrictEqual(wide, narrow) || isAny(wide)) return true;
  if (narrow.const !== undefined) return fits(wide, narrow.const);
  if (Array.isArray(narrow.enum)) return narrow.enum.every((value) => fits(wide, value));
  if (wide.const !== undefined || wide.enum !== undefined || narrow.anyOf !== undefined) return false;
  if (wide.type !== narrow.type && !(narrow.type === "integer" && wide.type === "number")) return false;
  switch (narrow.type) {
    case "integer":
    case "number":
      return (
        atMost(wide.minimum, narrow.minimum) &&
        atLeast(wide.maximum, narrow.maximum) &&
        same(wide, narrow, ["exclusiveMinimum", "exclusiveMaximum", "multipleOf"])
      );
    case "string":
      return (
        Number(wide.minLength ?? 0) <= Number(narrow.minLength ?? 0) &&
        atLeast(wide.maxLength, narrow.maxLength) &&
        (wide.pattern === undefined || wide.pattern === narrow.pattern) &&
        (wide.format === undefined || wide.format === narrow.format)
      );
    case "boolean":
    case "null":
      return true;
    case "object":
    case "array":
      return compareSchemas(narrow, wide).every((change) => change.kind === "additive");
    default:
      return false;
  }
}

/** `wide`'s lower bound is no higher than `narrow`'s (absent: unbounded). */
function atMost(wide: unknown, narrow: unknown): boolean {
  return wide === undefined || (narrow !== undefined && Number(wide) <= Number(narrow));
}

/** `wide`'s upper bound is no lower than `narrow`'s (absent: unbounded). */
function atLeast(wide: unknown, narrow: unknown): boolean {
  return wide === undefined || (narrow !== undefined && Number(wide) >= Number(narrow));
}

function same(a: Schema, b: Schema, keys: readonly string[]): boolean {
  return keys.every((key) => a[key] === undefined || isDeepStrictEqual(a[key], b[key]));
}

/** Whether `value` fits `schema` (for the scalar schemas events use). */
function fits(schema: Schema, value: unknown): boolean {
  if (isAny(schema)) return true;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).some((branch) => fits(branch, value));
  if (schema.const !== undefined) return isDeepStrictEqual(schema.const, value);
  if (Array.isArray(schema.enum)) return schema.enum.some((option) => isDeepStrictEqual(option, value));
  switch (schema.type) {
    case "string":
      return (
        typeof value === "string" &&
        value.length >= Number(schema.minLength ?? 0) &&
        value.length <= Number(schema.maxLength ?? Infinity) &&
        (schema.pattern === undefined || new RegExp(String(schema.pattern), "u").test(value))
      );
    case "integer":
    case "number":
      return (
        typeof value === "number" &&
        (schema.type === "number" || Number.isInteger(value)) &&
        value >= Number(schema.minimum ?? -Infinity) &&
        value <= Number(schema.maximum ?? Infinity)
      );
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    default:
      return false;
  }
}
