import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiService, tokenFor, type ApiClient, type ApiService } from "./support/api";
import { codes } from "./support/fixtures";
import { overWebSocket } from "./support/ws";

let dir: string;
let t: ApiService;
let staff: ApiClient;
let token: string;

const operations = {
  "catalog-v1": "query Catalog { products(first: 5) { totalCount } }",
  "whoami-v1": "{ __typename }",
};
const persisted = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ledgerline-persisted-"));
  const file = join(dir, "operations.json");
  await writeFile(file, JSON.stringify(operations));
  t = await startApiService({ PERSISTED_OPERATIONS_FILE: file });
  staff = await t.as("staff", "sam");
  token = await tokenFor(t.config, "staff", "sam");
});
afterAll(async () => {
  await t?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("persisted operations only (PERSISTED_OPERATIONS_FILE)", () => {
  it("runs a known operation by its hash, over HTTP and WebSocket", async () => {
    const http = await staff.post<{ products: { totalCount: number } }>(persisted("catalog-v1"));
    expect(http.body).toEqual({ data: { products: { totalCount: 0 } } });
    const socket = await overWebSocket(t.url, { query: "", ...persisted("catalog-v1") }, token);
    expect(socket).toEqual({ data: { products: { totalCount: 0 } } });
  });

  it("refuses any other document, and unknown hashes, over HTTP and WebSocket", async () => {
    const arbitrary = await staff.post({ query: "{ products { totalCount } }" });
    expect(codes(arbitrary.body)).toEqual(["PERSISTED_QUERY_ONLY"]);
    expect(arbitrary.body.errors?.[0]?.message).toMatch(/only runs persisted operations/);
    expect(codes((await staff.post(persisted("nope"))).body)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
    expect(codes(await overWebSocket(t.url, { query: "{ products { totalCount } }" }, token))).toEqual([
      "PERSISTED_QUERY_ONLY",
    ]);
    expect(codes(await overWebSocket(t.url, { query: "", ...persisted("nope") }, token))).toEqual([
      "PERSISTED_QUERY_NOT_FOUND",
    ]);
  });

  it("still authenticates a persisted operation", async () => {
    const anonymous = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(persisted("catalog-v1")),
    });
    expect(anonymous.status).toBe(401);
  });
});
