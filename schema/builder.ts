import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import type { GraphQLContext } from "./context";

/** Only configuration lives here; types and fields register themselves in their own files. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    Position: { Input: string; Output: string };
    DateTime: { Input: Date; Output: string };
  };
}>({
  plugins: [ErrorsPlugin],
  defaultFieldNullability: false,
  errors: { defaultTypes: [], directResult: true },
});

builder.queryType({ description: "Reads. Every query is answered from the Redis read models." });
builder.mutationType({ description: "Commands. Each appends events to the event store." });
builder.subscriptionType({ description: "Live views: the current view first, then every change." });
