import { GraphQLError } from "graphql";
import { InvalidPosition, parsePosition } from "../eventstore/position";
import { builder } from "./builder";

builder.scalarType("Position", {
  description:
    'A place in the global event log, "<commit>:<prepare>". Positions order by commit, then prepare; a mutation returns the position of what it wrote.',
  serialize: (value) => String(value),
  parseValue: (value) => {
    try {
      parsePosition(String(value));
      return String(value);
    } catch (error) {
      if (error instanceof InvalidPosition) throw new GraphQLError(error.message);
      throw error;
    }
  },
});

builder.scalarType("DateTime", {
  description: "An instant, ISO-8601 in UTC, e.g. 2026-01-31T12:00:00.000Z.",
  serialize: (value) => String(value),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (typeof value !== "string" || Number.isNaN(date.getTime())) {
      throw new GraphQLError(`"${String(value)}" is not an ISO-8601 instant`);
    }
    return date;
  },
});

builder.scalarType("JSON", {
  description: "Any JSON value (used by the admin debug view for aggregate state and event data).",
  serialize: (value) => value,
  parseValue: (value) => value,
});
