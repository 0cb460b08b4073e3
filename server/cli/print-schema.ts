import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printSchema } from "graphql";
import { gatewaySchema } from "../../resolvers/index";

/**
 * The published contract: the schema as SDL, types and fields sorted, so a diff of
 * `schema/schema.graphql` shows exactly what changed for clients. `npm run schema:print` writes it;
 * test/api/contract.test.ts fails when code and file differ. It lives with the command-line entry
 * points because it needs the resolvers, which schema/ may not import.
 */
export const schemaFile = fileURLToPath(new URL("../../schema/schema.graphql", import.meta.url));

export function schemaSdl(): string {
  return `${printSchema(gatewaySchema())}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaFile, schemaSdl());
  console.log(`wrote ${schemaFile}`);
}
