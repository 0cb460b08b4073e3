import { buildClientSchema, getIntrospectionQuery, printSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schemaSdl } from "../../server/cli/print-schema";
import { apiClient, startApiService, tokenFor, type ApiService } from "./support/api";
import { codes } from "./support/fixtures";
import { overWebSocket } from "./support/ws";

/**
 * The depth and cost limits hold for introspection too (graphql-armor skips `__schema` unless told
 * not to), in development, where introspection is on and open to anyone.
 */
let t: ApiService;
beforeAll(async () => {
  t = await startApiService();
});
afterAll(async () => {
  await t?.stop();
});

const ofTypes = (n: number): string => (n === 0 ? "name" : `ofType { ${ofTypes(n - 1)} }`);
/** `__schema { types { fields { type { ofType { … } } } } }`, `depth` selections deep. */
const nested = (depth: number) => `{ __schema { types { fields { type { ${ofTypes(depth - 5)} } } } } }`;

describe("introspection under the limits", () => {
  it("refuses an introspection query nested 11 deep with the depth error, anonymous or not, over HTTP and WebSocket", async () => {
    const anonymous = apiClient(t.url);
    const answer = await anonymous.post({ query: nested(11) });
    expect(codes(answer.body)).toEqual(["DEPTH_LIMIT"]);
    expect(answer.body.errors![0]!.message).toMatch(/Query depth limit of 10 exceeded, found 11/);
    expect(answer.body.data).toBeUndefined();

    const overSocket = await overWebSocket(
      t.url,
      { query: nested(11) },
      await tokenFor(t.config, "admin", "ada"),
    );
    expect(codes(overSocket)).toEqual(["DEPTH_LIMIT"]);

    // Ten deep is within the limit, and answered.
    const within = await anonymous.post({ query: nested(10) });
    expect(within.body.errors).toBeUndefined();
    expect(within.body.data).toHaveProperty("__schema.types");
  });

  it("refuses an introspection query over the cost limit (a fragment spread 200 times)", async () => {
    const fragment =
      "fragment T on __Type { name kind fields { name type { name kind ofType { name kind } } } }";
    const answer = await apiClient(t.url).post({
      query: `{ __schema { types { ${"...T ".repeat(200)} } } } ${fragment}`,
    });
    expect(codes(answer.body)).toEqual(["COST_LIMIT"]);
    expect(answer.body.data).toBeUndefined();
  });

  it("refuses the full introspection query tools send (21 deep): GraphiQL's page carries the schema instead", async () => {
    const full = await apiClient(t.url).post({ query: getIntrospectionQuery() });
    expect(codes(full.body)).toContain("DEPTH_LIMIT");

    const page = await (await fetch(t.url, { headers: { accept: "text/html" } })).text();
    // The page carries GraphiQL's options as JSON data (server/graphiql-page.ts).
    const options = /<script type="application\/json" id="graphiql-options">(.*?)<\/script>/s.exec(page);
    expect(options, "GraphiQL's options in the page").not.toBeNull();
    const { schema } = JSON.parse(options![1]!) as { schema: Parameters<typeof buildClientSchema>[0] };
    // The same schema the code builds (the published contract), types and fields in their order.
    expect(`${printSchema(buildClientSchema(schema))}\n`).toBe(schemaSdl());
  });

  it("gives GraphiQL no schema where introspection is off (production)", async () => {
    const production = await startApiService({ NODE_ENV: "production", GRAPHIQL: "true" });
    try {
      const page = await (await fetch(production.url, { headers: { accept: "text/html" } })).text();
      expect(page).toMatch(/id="graphiql-options"/);
      expect(page).not.toMatch(/__schema|queryType/);
    } finally {
      await production.stop();
    }
  });
});
