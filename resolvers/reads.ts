import { isObjectType, type GraphQLSchema } from "graphql";
import type { ViewModule } from "../readmodels/view";

/**
 * Field options saying which views a field's answer comes from: `...reads(accountsView)`.
 * Read-your-writes (`atPosition`) waits for exactly those views' projectors.
 */
export function reads(...modules: readonly ViewModule[]) {
  return { extensions: { readsViews: modules.map((module) => module.name) } };
}

const byField = new WeakMap<GraphQLSchema, Map<string, readonly string[]>>();

/** For every field that declares what it reads, by field name: the views' names. */
export function viewsReadByField(schema: GraphQLSchema): Map<string, readonly string[]> {
  let map = byField.get(schema);
  if (map) return map;
  map = new Map();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const names = field.extensions?.readsViews as readonly string[] | undefined;
      if (names) map.set(field.name, [...new Set([...(map.get(field.name) ?? []), ...names])]);
    }
  }
  byField.set(schema, map);
  return map;
}
