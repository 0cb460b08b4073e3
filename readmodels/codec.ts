import type { ViewOp } from "./batch-writer";
import { entryIdOf } from "./view-history";

/**
 * A view's field layout, written once and used both ways: by its projection to write the hash
 * (`set`, `increment`, …, which produce the apply script's operations) and by its reader to read
 * it back (`decode`). Field names and value encodings cannot drift apart between the two halves,
 * and a projection spec can state the view it expects as a typed value rather than Redis syntax.
 */
export interface FieldCodec<T> {
  encode(value: T): string;
  /** `undefined`: the field is not in the hash. */
  decode(raw: string | undefined): T;
}

export const text: FieldCodec<string> = { encode: (value) => value, decode: (raw) => raw ?? "" };

/** Empty in Redis is null in the view. */
export const optionalText: FieldCodec<string | null> = {
  encode: (value) => value ?? "",
  decode: (raw) => (raw ? raw : null),
};

/** An integer (minor units, counts, revisions); `missing` is what an absent field reads as. */
export function integer(missing = 0): FieldCodec<number> {
  return {
    encode: (value) => String(value),
    decode: (raw) => (raw === undefined || raw === "" ? missing : Number(raw)),
  };
}

/** Text that may be absent (null) but, when present, may be empty. */
export const presentText: FieldCodec<string | null> = {
  encode: (value) => value ?? "",
  decode: (raw) => (raw === undefined ? null : raw),
};

/** A structured value kept as JSON text; absent reads as `missing`. */
export function json<T>(missing: T): FieldCodec<T> {
  return {
    encode: (value) => JSON.stringify(value),
    decode: (raw) => (raw ? (JSON.parse(raw) as T) : missing),
  };
}

export const optionalInteger: FieldCodec<number | null> = {
  encode: (value) => (value === null ? "" : String(value)),
  decode: (raw) => (raw ? Number(raw) : null),
};

/** One of a fixed set of words; anything else reads as `fallback`. */
export function oneOf<T extends string>(values: readonly T[], fallback: T): FieldCodec<T> {
  return {
    encode: (value) => value,
    decode: (raw) => (values.includes(raw as T) ? (raw as T) : fallback),
  };
}

export type Layout<S> = { readonly [K in keyof S]: FieldCodec<S[K]> };

/** Fields of `S` that hold numbers (the ones an increment may touch). */
type NumberField<S> = { [K in keyof S]: S[K] extends number ? K : never }[keyof S] & string;

export class HashCodec<S extends object> {
  constructor(readonly layout: Layout<S>) {}

  /** The stored view, every field decoded (absent ones as their codec says). */
  decode(hash: Readonly<Record<string, string>>): S {
    const view: Partial<S> = {};
    for (const name of Object.keys(this.layout) as (keyof S & string)[]) {
      view[name] = this.layout[name].decode(hash[name]);
    }
    return view as S;
  }

  /** Field/value pairs of the fields given, encoded, in the layout's order (stream entries read
   * the same whatever order the caller listed them in). */
  pairs(values: Partial<S>): string[] {
    const out: string[] = [];
    for (const name of Object.keys(this.layout) as (keyof S & string)[]) {
      const value = values[name];
      if (value !== undefined) out.push(name, this.layout[name].encode(value as S[typeof name]));
    }
    return out;
  }

  set(key: string, values: Partial<S>): ViewOp {
    return ["hset", key, ...this.pairs(values)];
  }

  increment(key: string, field: NumberField<S>, by: number): ViewOp {
    return ["hincrby", key, field, String(by)];
  }

  /** Keeps the later of the stored and the given position (views fed by many streams). */
  latestPosition(key: string, field: keyof S & string, position: string): ViewOp {
    return ["hmaxpos", key, field, position];
  }

  /** Keeps the text that sorts last (ISO instants). */
  latestText(key: string, field: keyof S & string, value: string): ViewOp {
    return ["hmaxstr", key, field, value];
  }

  remove(key: string, ...fields: (keyof S & string)[]): ViewOp {
    return ["hdel", key, ...fields];
  }

  /** A stream entry with these fields, its id the event's position (maxLength 0: keep all). */
  entry(streamKey: string, position: string, maxLength: number, values: S): ViewOp {
    return ["xappend", streamKey, entryIdOf(position), String(maxLength), ...this.pairs(values)];
  }
}

export function hashCodec<S extends object>(layout: Layout<S>): HashCodec<S> {
  return new HashCodec(layout);
}
