import {
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type Filter,
} from "@kurrent/kurrentdb-client";
import type { EventFilter } from "../port";

/**
 * How a port EventFilter runs on KurrentDB. The server filters `$all` (reads, persistent
 * subscriptions) on ONE of stream name or event type, never both, so:
 *
 * - `server` is the filter sent with the request: stream prefixes when there are any (they are
 *   literal prefixes on the server, as the port wants: "_" and "%" match only themselves), else
 *   the exact event types as an anchored regular expression, else "no system events".
 * - `matches` is applied to what comes back: the other half of a two-part filter, and the
 *   exclusion of system records (`$`-typed events: metadata, links, checkpoints, this adapter's
 *   own idempotency and consumer-group records; and anything in a `$` stream), which the port's
 *   global log never contains.
 */
export interface FilterPlan {
  readonly server: Filter;
  matches(event: { readonly streamId: string; readonly type: string }): boolean;
}

/** A regular expression no string matches: an empty list of prefixes or types selects nothing. */
const NOTHING = "^(?!)";

export function planFilter(filter: EventFilter | undefined): FilterPlan {
  const prefixes = filter?.streamPrefixes;
  const types = filter?.eventTypes;
  return {
    server: serverFilter(prefixes, types),
    matches: (event) =>
      !isSystemRecord(event) &&
      (prefixes === undefined || prefixes.some((prefix) => event.streamId.startsWith(prefix))) &&
      (types === undefined || types.includes(event.type)),
  };
}

function serverFilter(prefixes: readonly string[] | undefined, types: readonly string[] | undefined): Filter {
  if (prefixes !== undefined) {
    return prefixes.length > 0
      ? streamNameFilter({ prefixes: [...prefixes] })
      : streamNameFilter({ regex: NOTHING });
  }
  if (types !== undefined) {
    return eventTypeFilter({ regex: types.length > 0 ? exactly(types) : NOTHING });
  }
  return excludeSystemEvents();
}

/**
 * Whether a subscription created with the filter `created` sends everything `wanted` selects. The
 * server keeps the filter a persistent subscription was created with (its update takes none), so
 * a group's filter can change in place only within what that filter lets through; this side then
 * drops the rest (`FilterPlan.matches` with the new filter).
 */
export function serverFilterCovers(
  created: EventFilter | undefined,
  wanted: EventFilter | undefined,
): boolean {
  // An empty list selects nothing, which any subscription covers.
  if (wanted?.streamPrefixes?.length === 0 || wanted?.eventTypes?.length === 0) return true;
  const sentPrefixes = created?.streamPrefixes;
  if (sentPrefixes !== undefined) {
    return (
      wanted?.streamPrefixes !== undefined &&
      wanted.streamPrefixes.every((prefix) => sentPrefixes.some((sent) => prefix.startsWith(sent)))
    );
  }
  const sentTypes = created?.eventTypes;
  if (sentTypes !== undefined) {
    return wanted?.eventTypes !== undefined && wanted.eventTypes.every((type) => sentTypes.includes(type));
  }
  return true;
}

export function isSystemRecord(event: { readonly streamId: string; readonly type: string }): boolean {
  return event.type.startsWith("$") || event.streamId.startsWith("$");
}

/** An anchored alternation of literal strings, for the server's (.NET) regular expressions. */
export function exactly(values: readonly string[]): string {
  return `^(?:${values.map(escapeRegex).join("|")})$`;
}

/** Escapes what is special in a .NET regular expression ("#" and blanks too, as Regex.Escape does). */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}#\s-]/g, (char) => {
    if (char === "\n") return "\\n";
    if (char === "\r") return "\\r";
    if (char === "\t") return "\\t";
    return `\\${char}`;
  });
}
