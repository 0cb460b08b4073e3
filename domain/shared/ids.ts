import { ValidationError } from "./errors";

/**
 * The one rule for every id a client sends (accounts, owners, customers, orders, products,
 * withdrawals, events). Ids become stream names ("account-<id>") and parts of Redis keys
 * ("account:<id>:history"), so the alphabet leaves out ":" (the key separator), "{" and "}" (Redis
 * Cluster hash tags), "%" (the key encoding's escape), whitespace and control characters: no id can
 * spell another id's key or a suffix of one, and no store refuses a byte of it.
 */
const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export const idRule = '1 to 100 letters, digits, "_", "-" or ".", starting with a letter or digit';

/** Why `value` is not a valid id, or null when it is one. */
export function idProblem(value: string): string | null {
  if (idPattern.test(value)) return null;
  const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return `${shown} is not a valid id: ${idRule}`;
}

/** The id, or a ValidationError naming the field. */
export function requireId(value: string, field: string): string {
  const problem = idProblem(value);
  if (problem !== null) throw new ValidationError(field, problem);
  return value;
}

/**
 * Characters no store or log should receive from a client in free text (names, addresses,
 * idempotency keys, reasons): NUL (PostgreSQL refuses it in text and JSON), the other C0 controls
 * but tab, line feed and carriage return, DEL, and unpaired UTF-16 surrogates (not Unicode text).
 */
// With the u flag a surrogate pair is one code point, so only an unpaired half matches the range.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const refusedInText = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uD800-\uDFFF]/u;

/** Why `value` is not acceptable text, or null when it is. */
export function textProblem(value: string): string | null {
  const found = refusedInText.exec(value);
  if (!found) return null;
  const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return `contains U+${code} at index ${found.index}, a character that is not accepted in text`;
}
