import { readFileSync } from "node:fs";
import { isObjectType, parse, validate, type GraphQLField } from "graphql";
import { describe, expect, it } from "vitest";
import { gatewaySchema } from "../../resolvers/index";
import { schemaFile, schemaSdl } from "../../server/cli/print-schema";
import { exampleTabs } from "../../server/graphiql";

const schema = gatewaySchema();
const roots = [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!];

describe("the published contract", () => {
  it("schema/schema.graphql is the schema the code builds (run `npm run schema:print -- --write` after changing it)", () => {
    expect(readFileSync(schemaFile, "utf8")).toBe(schemaSdl());
  });

  it("declares who may call every root field (no field is open by omission)", () => {
    const undeclared = roots.flatMap((root) =>
      Object.values(root.getFields())
        .filter((field: GraphQLField<unknown, unknown>) => {
          const options = field.extensions?.pothosOptions as { authScopes?: unknown } | undefined;
          return options?.authScopes === undefined;
        })
        .map((field) => `${root.name}.${field.name}`),
    );
    expect(undeclared).toEqual([]);
  });

  it("GraphiQL's examples are valid operations and show every root field", () => {
    const shown = new Set<string>();
    for (const tab of exampleTabs) {
      const document = parse(tab.query);
      expect(validate(schema, document), tab.title).toEqual([]);
      for (const definition of document.definitions) {
        if (definition.kind !== "OperationDefinition") continue;
        for (const selection of definition.selectionSet.selections) {
          if (selection.kind === "Field") shown.add(selection.name.value);
        }
      }
      // Nested root fields under atPosition count too.
      for (const match of tab.query.matchAll(/atPosition\([^)]*\)\s*\{\s*(\w+)/g)) shown.add(match[1]!);
    }
    const missing = roots.flatMap((root) => Object.keys(root.getFields()).filter((name) => !shown.has(name)));
    expect(missing).toEqual([]);
    expect(roots.every(isObjectType)).toBe(true);
  });
});
