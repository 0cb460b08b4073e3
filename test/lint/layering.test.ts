import { resolve } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/**
 * The layering rule (eslint.config.js, boundaries/dependencies) bites: files that do not exist are
 * linted as if they sat in a layer, with the repository's own configuration, and an import against
 * the layering is an error while the same import from server/ is not.
 */
const root = resolve(import.meta.dirname, "../..");
const eslint = new ESLint({ cwd: root });

async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return result!.messages
    .filter((message) => message.ruleId?.startsWith("boundaries/"))
    .map((message) => message.message);
}

describe("the layering rule", () => {
  it("refuses Redis and the event store adapters in resolvers/", async () => {
    expect(
      await layeringErrors(
        "resolvers/layering-fixture.ts",
        `import { Redis } from "ioredis";\nexport const redis = Redis;\n`,
      ),
    ).toEqual([expect.stringMatching(/^resolvers may not import "ioredis"/)]);
    expect(
      await layeringErrors(
        "resolvers/layering-fixture.ts",
        `import { PgClient } from "../eventstore/postgres/pg-client";\nexport const client = PgClient;\n`,
      ),
    ).toEqual([expect.stringMatching(/^resolvers may not import "\.\.\/eventstore\/postgres\/pg-client"/)]);
  });

  it("refuses GraphQL in projectors/ and in a view module, and read models in commands/", async () => {
    const graphql = `import { GraphQLError } from "graphql";\nexport const error = GraphQLError;\n`;
    expect(await layeringErrors("projectors/layering-fixture.ts", graphql)).toHaveLength(1);
    expect(await layeringErrors("readmodels/some-view/layering-fixture.ts", graphql)).toHaveLength(1);
    expect(
      await layeringErrors(
        "commands/layering-fixture.ts",
        `import { readModelKeys } from "../readmodels/keys";\nexport const keys = readModelKeys();\n`,
      ),
    ).toHaveLength(1);
  });

  it("lets domain/ use TypeBox for its event schemas, and nothing else from outside domain/", async () => {
    expect(
      await layeringErrors(
        "domain/layering-fixture.ts",
        `import { Type } from "@sinclair/typebox";\nimport { Value } from "@sinclair/typebox/value";\nexport const both = [Type, Value];\n`,
      ),
    ).toEqual([]);
    expect(
      await layeringErrors(
        "domain/layering-fixture.ts",
        `import { randomUUID } from "node:crypto";\nimport { Redis } from "ioredis";\nimport type { EventLog } from "../eventstore/port";\nexport const all = [randomUUID, Redis] as unknown as EventLog;\n`,
      ),
    ).toEqual([
      expect.stringMatching(/^domain may not import "node:crypto"/),
      expect.stringMatching(/^domain may not import "ioredis"/),
      expect.stringMatching(/^domain may not import "\.\.\/eventstore\/port"/),
    ]);
  });

  it("lets resolvers/ use read model types, and server/ import anything", async () => {
    expect(
      await layeringErrors(
        "resolvers/layering-fixture.ts",
        `import type { AccountView } from "../readmodels/accounts";\nexport type View = AccountView;\n`,
      ),
    ).toEqual([]);
    expect(
      await layeringErrors(
        "server/layering-fixture.ts",
        `import { Redis } from "ioredis";\nimport { PgClient } from "../eventstore/postgres/pg-client";\nexport const both = [Redis, PgClient];\n`,
      ),
    ).toEqual([]);
  });
});
