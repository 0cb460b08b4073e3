import { createHash } from "node:crypto";
import type { JsonValue } from "../eventstore/port";

/** A stable hash of a request: object keys are sorted so field order does not matter. */
export function fingerprint(commandType: string, request: JsonValue): string {
  return createHash("sha256").update(commandType).update("\0").update(canonicalJson(request)).digest("hex");
}

function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}
