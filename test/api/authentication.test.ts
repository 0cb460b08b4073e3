import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createClient } from "graphql-ws";
import { accountStreamId } from "../../domain/banking/state";
import { mintToken } from "../../server/auth/tokens";
import { ConfigError, loadConfig } from "../../server/config";
import { startApiService, testSecret, tokenFor, apiClient, type ApiService } from "./support/api";
import { codes } from "./support/fixtures";
import { overWebSocket } from "./support/ws";

let t: ApiService;

beforeAll(async () => {
  t = await startApiService();
});
afterAll(async () => {
  await t?.stop();
});

const settings = { jwtSecret: testSecret, issuer: "ledgerline", audience: "ledgerline-api" };
const openAccount = `mutation { openAccount(input: { ownerId: "mallory", currency: "USD", accountId: "mallory-1" }) { __typename } }`;

/** A token whose payload was edited after signing (role raised to admin), signature kept. */
async function tampered(): Promise<string> {
  const [header, payload, signature] = (
    await mintToken(settings, { sub: "mallory", role: "customer" })
  ).split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
  const raised = Buffer.from(JSON.stringify({ ...claims, role: "admin" })).toString("base64url");
  return `${header}.${raised}.${signature}`;
}

const refusedTokens: [string, () => Promise<string>, string][] = [
  [
    "an expired token",
    () => mintToken(settings, { sub: "mallory", role: "customer", ttlSeconds: -60 }),
    "expired",
  ],
  ["a tampered token", tampered, "invalid_signature"],
  [
    "a token signed with another secret",
    () =>
      mintToken(
        { ...settings, jwtSecret: "some-other-secret-of-at-least-32-bytes!!" },
        { sub: "mallory", role: "admin" },
      ),
    "invalid_signature",
  ],
  [
    "a token for another audience",
    () => mintToken({ ...settings, audience: "other-api" }, { sub: "mallory", role: "admin" }),
    "invalid_claims",
  ],
  [
    "a token from another issuer",
    () => mintToken({ ...settings, issuer: "someone-else" }, { sub: "mallory", role: "admin" }),
    "invalid_claims",
  ],
  [
    "a token with an unknown role",
    () =>
      new SignJWT({ role: "root" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("mallory")
        .setIssuer("ledgerline")
        .setAudience("ledgerline-api")
        .setExpirationTime("1h")
        .sign(new TextEncoder().encode(testSecret)),
    "invalid_claims",
  ],
  ["a token that is no JWT", async () => "not-a-jwt", "malformed"],
];

describe("authentication over HTTP", () => {
  it("refuses a request without a token with 401 and says how to authenticate", async () => {
    const answer = await apiClient(t.url).post({ query: openAccount });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="ledgerline"');
    expect(answer.body.errors?.[0]).toMatchObject({
      extensions: { code: "UNAUTHENTICATED", reason: "missing" },
    });
    expect(answer.body.errors?.[0]?.message).toMatch(/Authorization: Bearer <token>/);
    expect(answer.body.data).toBeUndefined();
    expect(await t.service.store.readStream(accountStreamId("mallory-1"))).toHaveLength(0);
  });

  it.each(refusedTokens)("refuses %s, running nothing", async (_name, token, reason) => {
    const answer = await apiClient(t.url, await token()).post({ query: openAccount });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="ledgerline", error="invalid_token"/,
    );
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason });
    expect(await t.service.store.readStream(accountStreamId("mallory-1"))).toHaveLength(0);
  });

  it("refuses an authorization header that is not a bearer token", async () => {
    const answer = await apiClient(t.url).post(
      { query: "{ __typename }" },
      { authorization: "Basic bWFsbG9yeTpwdw==" },
    );
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "malformed",
    });
  });

  it("lets anonymous callers introspect in development, and nothing else", async () => {
    const anonymous = apiClient(t.url);
    const schema = await anonymous.gql<{ __schema: { queryType: { name: string } } }>(
      `{ __schema { queryType { name } } }`,
    );
    expect(schema.data?.__schema.queryType.name).toBe("Query");
    expect(codes(await anonymous.gql(`{ __typename products { totalCount } }`))).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses an anonymous subscription over SSE", async () => {
    const response = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: `subscription { accountUpdated(id: "x") { position } }` }),
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toMatch(/UNAUTHENTICATED/);
  });

  it("tags every answer with a request id, keeping the caller's own", async () => {
    const client = await t.as("customer", "alice");
    const generated = await client.post({ query: "{ __typename }" });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const given = await client.post({ query: "{ __typename }" }, { "x-request-id": "trace-42" });
    expect(given.headers.get("x-request-id")).toBe("trace-42");
  });
});

describe("authentication over WebSocket (connection parameters)", () => {
  it("refuses a subscription without a token, or with a tampered one", async () => {
    const query = `subscription { accountUpdated(id: "x") { position } }`;
    expect(await overWebSocket(t.url, { query })).toMatchObject({
      errors: [{ extensions: { code: "UNAUTHENTICATED", reason: "missing" } }],
    });
    expect(await overWebSocket(t.url, { query }, await tampered())).toMatchObject({
      errors: [{ extensions: { code: "UNAUTHENTICATED", reason: "invalid_signature" } }],
    });
  });

  it("accepts `Authorization` as GraphiQL sends it, and closes the socket when the token expires", async () => {
    const token = await tokenFor(t.config, "customer", "alice", 2);
    const client = createClient({
      url: t.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false, // keep the socket open after the operation, as a live dashboard would
      onNonLazyError: () => undefined, // the close is what this test waits for
    });
    const closed = new Promise<number>((resolve) =>
      client.on("closed", (event) => resolve((event as { code: number }).code)),
    );
    const first = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: "{ __typename }" },
        { next: resolve, error: resolve, complete: () => undefined },
      );
    });
    expect(first).toEqual({ data: { __typename: "Query" } });
    expect(await closed).toBe(4401);
    await client.dispose();
  });
});

describe("production", () => {
  it("refuses to start the API without JWT_SECRET or JWT_JWKS_URL (a projector needs neither)", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET.*JWT_JWKS_URL/);
    expect(() => loadConfig({ NODE_ENV: "production", ROLE: "projector" })).not.toThrow();
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: testSecret }).auth.introspection).toBe(false);
    expect(
      loadConfig({ NODE_ENV: "production", JWT_SECRET: testSecret, GRAPHQL_INTROSPECTION: "true" }).auth
        .introspection,
    ).toBe(true);
  });

  it("turns introspection and field suggestions off, and GraphiQL has no token; development's has one", async () => {
    const production = await startApiService({ NODE_ENV: "production", GRAPHIQL: "true" });
    try {
      const admin = await production.as("admin", "ada");
      const introspection = await admin.gql(`{ __schema { queryType { name } } }`);
      expect(new Set(codes(introspection))).toEqual(new Set(["GRAPHQL_VALIDATION_FAILED"]));
      expect(introspection.errors?.[0]?.message).toMatch(/introspection has been disabled/);
      const typo = await admin.gql(`{ acount(id: "x") { id } }`);
      expect(JSON.stringify(typo)).not.toMatch(/Did you mean/);
      const page = await (await fetch(production.url, { headers: { accept: "text/html" } })).text();
      expect(page).toMatch(/Ledgerline/);
      expect(page).not.toMatch(/Bearer/);
    } finally {
      await production.stop();
    }
    const development = await (await fetch(t.url, { headers: { accept: "text/html" } })).text();
    expect(development).toMatch(/Bearer ey/);
  });
});

describe("JWKS (an identity provider's keys)", () => {
  let jwks: Server;
  let service: ApiService;
  let sign: (claims: { sub: string; role: string }, kid?: string) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "key-1", alg: "RS256", use: "sig" };
    jwks = createServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    service = await startApiService({
      NODE_ENV: "production",
      JWT_SECRET: "",
      JWT_JWKS_URL: url,
      JWT_ISSUER: "https://id.example/",
      JWT_AUDIENCE: "ledgerline",
    });
    sign = (claims, kid = "key-1") =>
      new SignJWT({ role: claims.role })
        .setProtectedHeader({ alg: "RS256", kid })
        .setSubject(claims.sub)
        .setIssuer("https://id.example/")
        .setAudience("ledgerline")
        .setExpirationTime("10m")
        .sign(privateKey);
  });
  afterAll(async () => {
    await service?.stop();
    jwks?.close();
  });

  it("accepts the provider's tokens and refuses HS256 ones and unknown keys", async () => {
    const staff = apiClient(service.url, await sign({ sub: "sam", role: "staff" }));
    expect((await staff.gql(`{ products { totalCount } }`)).errors).toBeUndefined();
    const hs256 = await mintToken(
      { jwtSecret: testSecret, issuer: "https://id.example/", audience: "ledgerline" },
      {
        sub: "mallory",
        role: "admin",
      },
    );
    expect(
      (await apiClient(service.url, hs256).post({ query: "{ __typename }" })).body.errors?.[0]?.extensions,
    ).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "malformed",
    });
    const foreignKey = await apiClient(
      service.url,
      await sign({ sub: "mallory", role: "admin" }, "key-9"),
    ).post({
      query: "{ __typename }",
    });
    expect(foreignKey.body.errors?.[0]?.extensions).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "unknown_key",
    });
  });
});
