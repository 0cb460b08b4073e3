import { lexicographicSortSchema, type GraphQLSchema } from "graphql";
import { builder } from "../schema/builder";
import "../schema/scalars";
import "../schema/errors";
import "./account-queries";
import "./account-fields";
import "./account-mutations";
import "./account-subscriptions";
import "../schema/ordering-errors";
import "./catalog-mutations";
import "./catalog-queries";
import "./order-mutations";
import "./order-queries";
import "./revenue-queries";
import "./live-subscriptions";
import "./admin-parked";
import "./at-position";
import "./view-after-write";
import "./debug-replay";
import "./projection-subscriptions";
import "./top-customers";
import "./jobs";
import "./transfers";

let schema: GraphQLSchema | null = null;

/** Builds the schema once (types and fields registered by the imports above). */
export function gatewaySchema(): GraphQLSchema {
  schema ??= lexicographicSortSchema(builder.toSchema());
  return schema;
}
