import {
  Type,
  type Static,
  type TLiteral,
  type TObject,
  type TProperties,
  type TSchema,
} from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { MAX_AMOUNT } from "./money";
import type { EventData, UpcastStep, Upcasters } from "./upcasting";

/**
 * Event contracts. Each event type's data, in each schema version ever published, is one TypeBox
 * schema: a JSON Schema object (published as a file under schema/events/, see README) from which
 * the TypeScript type is derived with `Static`, so the type and the published contract cannot
 * disagree. The same schema checks an event before it is stored (`contractProblems`).
 *
 * A published version never changes in a way that stored events of that version would stop
 * fitting: such a change is a new version with an upcaster (upcasting.ts). Adding an optional
 * field, or loosening a rule, is allowed within a version.
 */

/** An ISO-8601 instant with a time zone, as commands carry it ("2026-03-01T10:00:00.000Z"). */
export const ISO_INSTANT_PATTERN =
  "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$";
export const CURRENCY_PATTERN = "^[A-Z]{3}$";

/** Field builders: every field says what it means, and money is always integer minor units. */
export const field = {
  /** An id (of an account, order, product, customer, withdrawal, ...). */
  id: (description: string) => Type.String({ minLength: 1, description }),
  /** Free text a person wrote or reads; `required` text may not be empty. */
  text: (description: string, options: { required?: boolean; maxLength?: number; pattern?: string } = {}) =>
    Type.String({
      ...(options.required !== false && { minLength: 1 }),
      ...(options.maxLength !== undefined && { maxLength: options.maxLength }),
      ...(options.pattern !== undefined && { pattern: options.pattern }),
      description,
    }),
  /** An amount of money in the currency's minor unit (cents, yen): a non-negative integer. */
  money: (description: string, options: { positive?: boolean } = {}) =>
    Type.Integer({
      minimum: options.positive ? 1 : 0,
      maximum: MAX_AMOUNT,
      description: `${description} In minor units of the currency (cents, yen): an integer.`,
    }),
  /** A whole count (items, units of stock). */
  count: (description: string, minimum: 0 | 1 = 0) =>
    Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, description }),
  currency: (description = "ISO 4217 currency code.") =>
    Type.String({ pattern: CURRENCY_PATTERN, description }),
  instant: (description: string) =>
    Type.String({ pattern: ISO_INSTANT_PATTERN, description: `${description} ISO-8601 instant.` }),
  /** One of a fixed set of codes. */
  oneOf: <const Codes extends readonly [string, ...string[]]>(codes: Codes, description: string) =>
    Type.Union(codes.map((code) => Type.Literal(code)) as TLiteral<Codes[number]>[], { description }),
};

/** The data of one event version: an object with exactly these fields (no others), described. */
export function eventData<P extends TProperties>(description: string, properties: P): TObject<P> {
  return Type.Object(properties, { description, additionalProperties: false });
}

/** A nested object of event data (an address, an order line). */
export function record<P extends TProperties>(description: string, properties: P): TObject<P> {
  return Type.Object(properties, { description, additionalProperties: false });
}

/** Every published version of each event type of a context, oldest first: `[v1, v2, ...]`. */
export type EventVersions = { readonly [type: string]: readonly [TObject, ...TObject[]] };

/** The data of the current (last) version of `T`. */
export type CurrentData<V extends EventVersions, T extends keyof V> = V[T] extends readonly [
  ...TObject[],
  infer Last extends TSchema,
]
  ? Static<Last>
  : never;

/**
 * Examples of every version of every event type (the contract fixtures): at least one per version,
 * each typed by its version's schema, so a version without an example does not compile.
 */
export type EventExamples<V extends EventVersions> = {
  readonly [T in keyof V]: ExamplesPerVersion<V[T]>;
};
// A mapped type over a type parameter keeps a tuple a tuple: one entry per version.
type ExamplesPerVersion<L> = { readonly [I in keyof L]: ExamplesOf<L[I]> };
type ExamplesOf<S> = S extends TSchema ? readonly [Static<S>, ...Static<S>[]] : never;

/** Where an event lives: the aggregate that emits it and its streams. */
export interface AggregateStreams {
  /** The bounded context (folder under domain/). */
  readonly context: string;
  /** The aggregate that emits the events, e.g. "order". */
  readonly aggregate: string;
  /** Streams are `<streamPrefix><id>`, e.g. "order-o-1". */
  readonly streamPrefix: string;
  /** The data field holding the aggregate's id: it names the stream an event belongs in. */
  readonly idField: string;
}

/** The stable id of a schema: the envelope names it (metadata.schemaId), the published file is its `$id`. */
export function schemaIdOf(type: string, version: number): string {
  return `urn:ledgerline:event:${type}:v${version}`;
}

/** One thing wrong with event data: where (`lines[0].quantity`) and what. */
export interface ContractProblem {
  readonly field: string;
  readonly problem: string;
}

/** What is wrong with `data` as an instance of `schema` (empty: it fits), one problem per field. */
export function contractProblems(schema: TSchema, data: unknown): ContractProblem[] {
  // Every append asks: the plain check is ~10× cheaper than walking the errors, which only an
  // event that does not fit needs.
  if (Value.Check(schema, data)) return [];
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, data)) {
    const at = fieldName(error.path);
    if (problems.has(at)) continue;
    problems.set(at, describeError(error.message, error.schema, error.value));
  }
  return [...problems].map(([at, problem]) => ({ field: at, problem }));
}

/** "/lines/0/quantity" → "lines[0].quantity" (the spelling ValidationError uses); "" → "data". */
export function fieldName(pointer: string): string {
  if (pointer === "") return "data";
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

function describeError(message: string, schema: TSchema, value: unknown): string {
  if (message === "Expected required property") return "is required but missing";
  if (message === "Unexpected property") return "is not a field of this event";
  const maximum = (schema as { maximum?: unknown }).maximum;
  if (typeof value === "number" && typeof maximum === "number" && value > maximum) {
    return `must be at most ${maximum}, got ${shown(value)}`;
  }
  return `must be ${typeText(schema)}, got ${shown(value)}`;
}

function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A JSON Schema (as TypeBox or a published file holds it) in words: `integer ≥ 0`, `"a" | "b"`. */
export function typeText(schema: unknown): string {
  const s = (schema ?? {}) as Record<string, unknown>;
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (Array.isArray(s.anyOf)) return s.anyOf.map(typeText).join(" | ");
  switch (s.type) {
    case "integer":
    case "number": {
      const bounds = [
        typeof s.minimum === "number" && `≥ ${s.minimum}`,
        typeof s.maximum === "number" && s.maximum !== Number.MAX_SAFE_INTEGER && `≤ ${s.maximum}`,
      ].filter(Boolean);
      return [s.type, ...bounds].join(" ");
    }
    case "string": {
      if (s.pattern === ISO_INSTANT_PATTERN) return "ISO-8601 instant (string)";
      if (s.pattern === CURRENCY_PATTERN) return "currency code (string, 3 capital letters)";
      const rules = [
        typeof s.pattern === "string" && `matching /${s.pattern}/`,
        typeof s.minLength === "number" && s.minLength > 0 && "non-empty",
        typeof s.maxLength === "number" && `at most ${s.maxLength} characters`,
      ].filter(Boolean);
      return rules.length > 0 ? `string (${rules.join(", ")})` : "string";
    }
    case "array":
      return `array of ${typeText(s.items)}`;
    case "object":
      return "object";
    case "boolean":
    case "null":
      return s.type;
    default:
      return "any value";
  }
}

/**
 * An event refused at the door: it does not fit the published schema of its type and version (or
 * has none, or is not an event of the stream's aggregate). Nothing of the append is stored.
 * `field` names the first field at fault (`type` or `schemaVersion` when there is no schema).
 * Not a DomainError: the domain never decides this, it is a fault of the code that produced the
 * event, and nothing should take it for an expected refusal.
 */
export class EventContractViolation extends Error {
  readonly code = "EVENT_CONTRACT_VIOLATION";
  readonly field: string;
  constructor(
    readonly streamId: string,
    readonly eventType: string,
    readonly schemaVersion: number,
    readonly problems: readonly ContractProblem[],
  ) {
    const listed = problems.map(({ field: at, problem }) => `${at} ${problem}`).join("; ");
    super(`${eventType} v${schemaVersion} refused for stream ${streamId}: ${listed}. Nothing was appended.`);
    this.name = "EventContractViolation";
    this.field = problems[0]?.field ?? "data";
  }
}

/** One published version of an event type. */
export interface EventVersionContract {
  readonly version: number;
  /** The stable id the stored envelope names (metadata.schemaId) and the published file's `$id`. */
  readonly schemaId: string;
  readonly schema: TObject;
  /** The contract fixtures: examples of this version's data. */
  readonly examples: readonly EventData[];
  /** Lifts this version's data to the next version; absent on the current version. */
  readonly upcaster?: UpcastStep;
}

/** An event type's contract: where it lives and every version ever published, oldest first. */
export interface EventContract extends AggregateStreams {
  readonly type: string;
  /** `versions[n - 1]` is version n; the last one is written today. */
  readonly versions: readonly EventVersionContract[];
}

/** The contracts of one aggregate's events, from its versions (events.ts), upcasters and examples. */
export function contractsOf<V extends EventVersions>(definition: {
  readonly streams: AggregateStreams;
  readonly versions: V;
  readonly upcasters: Upcasters<V>;
  readonly examples: EventExamples<V>;
}): EventContract[] {
  const steps = definition.upcasters as Readonly<Record<string, Readonly<Record<number, UpcastStep>>>>;
  const examples = definition.examples as Readonly<Record<string, readonly (readonly EventData[])[]>>;
  return Object.entries(definition.versions).map(([type, schemas]) => ({
    ...definition.streams,
    type,
    versions: schemas.map((schema, index) => {
      const version = index + 1;
      const upcaster = steps[type]?.[version];
      return {
        version,
        schemaId: schemaIdOf(type, version),
        schema,
        examples: examples[type]?.[index] ?? [],
        ...(upcaster && { upcaster }),
      };
    }),
  }));
}
