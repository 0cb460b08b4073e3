import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { accountStreamId } from "../../domain/banking/state";
import { projectionsCaughtUp } from "../support/service";
import { startApiService, tokenFor, type ApiClient, type ApiService } from "./support/api";
import { codes, mutate, usd } from "./support/fixtures";
import { overWebSocket } from "./support/ws";

let t: ApiService;
let alice: ApiClient;
let token: string;

beforeAll(async () => {
  // A small mutation budget so the rate limit is reachable. The token limit is raised so each abuse
  // below meets its own limit (at the default 5000 tokens, the 1,000 aliases never get past the parser).
  // A day-long window: a fixed window that rolled over mid-test would reset the count it checks.
  t = await startApiService({
    RATE_LIMIT_MUTATIONS: "8",
    RATE_LIMIT_WINDOW_SECONDS: "86400",
    GRAPHQL_MAX_TOKENS: "20000",
  });
  alice = await t.as("customer", "alice");
  token = await tokenFor(t.config, "customer", "alice");
  await mutate(alice, "openAccount", { accountId: "target", ownerId: "alice", currency: "USD" });
  await projectionsCaughtUp(t as never);
});
afterAll(async () => {
  await t?.stop();
});

const appended = async () => (await t.service.store.readStream(accountStreamId("target"))).length;
const depositInput = { input: { accountId: "target", amount: { amount: "1.00", currency: "USD" } } };
const deposit = (alias: string) =>
  `${alias}: deposit(input: { accountId: "target", amount: { amount: "1.00", currency: "USD" } }) { __typename }`;

/** The abusive documents, each refused before execution (so: no `data`, nothing written). */
const abuses = {
  "1,000 aliases of one field": [
    `mutation($input: DepositInput!) { ${Array.from({ length: 1000 }, (_, i) => `d${i}: deposit(input: $input) { __typename }`).join(" ")} }`,
    "ALIAS_LIMIT",
  ],
  "a query nested 50 deep": [
    `{ ${Array.from({ length: 50 }, () => 'atPosition(position: "999999999:0", timeoutMs: 30000) {').join(" ")} __typename ${"}".repeat(50)} }`,
    "DEPTH_LIMIT",
  ],
  "a cyclic fragment": [
    `query { ...A } fragment A on Query { account(id: "target") { id } ...B } fragment B on Query { ...A }`,
    "GRAPHQL_VALIDATION_FAILED",
  ],
  "too many directives": [`{ __typename ${"@include(if: true) ".repeat(11)} }`, "DIRECTIVE_LIMIT"],
  "too many tokens": [`{ account(id: "target") { ${"id ".repeat(20_001)} } }`, "TOKEN_LIMIT"],
} as const;

describe("abuse is refused with a clear error, before any work", () => {
  it.each(Object.entries(abuses))("over HTTP: %s", async (_name, [query, code]) => {
    const before = await appended();
    const answer = await alice.post({ query, variables: depositInput });
    expect(codes(answer.body)).toContain(code);
    expect(answer.body.errors![0]!.message).toMatch(/limit|Cannot spread/);
    expect(answer.body.data).toBeUndefined();
    expect(await appended()).toBe(before);
  });

  it.each(Object.entries(abuses))("over WebSocket: %s", async (_name, [query, code]) => {
    const before = await appended();
    const answer = await overWebSocket(t.url, { query, variables: depositInput }, token);
    expect(codes(answer)).toContain(code);
    expect(answer.data).toBeUndefined();
    expect(await appended()).toBe(before);
  });

  it("refuses 100 operations in one batch, running none of them", async () => {
    const before = await appended();
    const batch = Array.from({ length: 100 }, (_, i) => ({ query: `mutation { ${deposit(`d${i}`)} }` }));
    const answer = await alice.post(batch);
    expect(answer.status).toBe(413);
    expect(answer.body.errors?.[0]?.message).toMatch(/Batching is limited to 10 operations/);
    expect(await appended()).toBe(before);
    // A batch within the limit runs.
    const small = await alice.post<unknown>([{ query: "{ __typename }" }, { query: "{ __typename }" }]);
    expect(small.status).toBe(200);
  });

  it("refuses a 5 MB body with 413 before reading it, running nothing", async () => {
    const before = await appended();
    const body = JSON.stringify({
      query: `mutation($pad: String) { ${deposit("d")} }`,
      variables: { pad: "x".repeat(5 * 1024 * 1024) },
    });
    const answer = await alice.post(body);
    expect(answer.status).toBe(413);
    expect(answer.body.errors?.[0]).toMatchObject({ extensions: { code: "PAYLOAD_TOO_LARGE" } });
    expect(await appended()).toBe(before);
  });

  it("tells a client that waits for 100 Continue 413 at once, before it sends a byte of a body announced too large", async () => {
    const url = new URL(t.url);
    const answer = await new Promise<{ status: number; continued: boolean; body: string }>(
      (resolve, reject) => {
        let continued = false;
        const request = httpRequest({
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${token}`,
            "content-length": String(20 * 1024 * 1024),
            expect: "100-continue",
          },
        });
        request.on("continue", () => {
          continued = true;
          request.destroy();
        });
        request.on("response", (response) => {
          let body = "";
          response.on("data", (chunk: Buffer) => (body += chunk.toString()));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, continued, body }));
        });
        request.on("error", (error) =>
          continued ? resolve({ status: 0, continued, body: "" }) : reject(error),
        );
        request.flushHeaders();
      },
    );
    expect(answer.continued).toBe(false);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 413 to a body streamed past the limit with no length announced, reads the rest, and keeps the connection", async () => {
    const url = new URL(t.url);
    const before = await appended();
    // One connection, kept: the second request goes over it only if the server read the refused
    // body to its end instead of resetting the connection under a client still sending (which
    // could lose the 413 before the client read it).
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (body: Buffer[]) =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const request = httpRequest({
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          agent,
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        });
        request.on("response", (response) => {
          response.resume();
          // Settled once the answer is read and the whole body sent: only then is the socket free.
          const answered = new Promise<void>((done) => response.on("end", done));
          const sent = new Promise<void>((done) =>
            request.writableFinished ? done() : request.on("finish", done),
          );
          void Promise.all([answered, sent]).then(() =>
            setImmediate(() => resolve({ status: response.statusCode ?? 0, reused: request.reusedSocket })),
          );
        });
        request.on("error", reject);
        for (const chunk of body) request.write(chunk);
        request.end();
      });
    try {
      const refused = await send(Array.from({ length: 40 }, () => Buffer.alloc(256 * 1024, "x")));
      expect(refused.status).toBe(413);
      const next = await send([Buffer.from(JSON.stringify({ query: "{ __typename }" }))]);
      expect(next).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
    expect(await appended()).toBe(before);
  });

  it("holds the body limit for in-process callers of the gateway too (no HTTP server read the body)", async () => {
    const before = await appended();
    const gateway = t.service.gateway!;
    const big = JSON.stringify({
      query: `mutation($pad: String) { ${deposit("d")} }`,
      variables: { pad: "x".repeat(2 * 1024 * 1024) },
    });
    // Fresh headers for each request: the fetch implementation writes the content-length into them.
    const headers = () => ({ "content-type": "application/json", authorization: `Bearer ${token}` });
    // Declared too large: refused from the header.
    const declared = await gateway.fetch("http://in-process/graphql", {
      method: "POST",
      headers: headers(),
      body: big,
    });
    expect(declared.status).toBe(413);
    // Streamed with no length: refused once the bytes pass the limit.
    const chunks = [big.slice(0, 1024 * 1024), big.slice(1024 * 1024)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const streamed = await gateway.fetch("http://in-process/graphql", {
      method: "POST",
      headers: headers(),
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(
      ((await streamed.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe("PAYLOAD_TOO_LARGE");
    expect(await appended()).toBe(before);
    // A body within the limit runs as over HTTP.
    const small = await gateway.fetch("http://in-process/graphql", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ query: `mutation { ${deposit("d")} }` }),
    });
    expect(small.status).toBe(200);
    expect(await appended()).toBe(before + 1);
  });

  it("refuses a WebSocket message over the body limit by closing the socket", async () => {
    const socket = new WebSocket(t.url.replace(/^http/, "ws"), "graphql-transport-ws");
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    await new Promise((resolve) => socket.on("open", resolve));
    socket.send(JSON.stringify({ type: "connection_init", payload: { pad: "x".repeat(2 * 1024 * 1024) } }));
    expect(await closed).toBe(1009); // "message too big"
  });
});

describe("browsers", () => {
  it("refuses urlencoded, multipart and text/plain posts without the CSRF header", async () => {
    for (const [type, body] of [
      ["application/x-www-form-urlencoded", "query=%7B__typename%7D"],
      ["text/plain", JSON.stringify({ query: "{ __typename }" })],
    ] as const) {
      const response = await fetch(t.url, {
        method: "POST",
        headers: { "content-type": type, authorization: `Bearer ${token}` },
        body,
      });
      expect(response.status, type).toBe(403);
      expect(await response.text()).toMatch(/CSRF/);
    }
    const form = new FormData();
    form.set("operations", JSON.stringify({ query: "{ __typename }" }));
    form.set("map", "{}");
    const multipart = await fetch(t.url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(multipart.status).toBe(403);
  });

  it("answers GET queries only with the CSRF header, and never runs a mutation over GET", async () => {
    const query = (q: string) => `${t.url}?query=${encodeURIComponent(q)}`;
    const headers = { accept: "application/json", authorization: `Bearer ${token}` };
    const refused = await fetch(query("{ __typename }"), { headers });
    expect(refused.status).toBe(403);
    // Typed, and saying which header to send.
    const error = ((await refused.json()) as { errors: { message: string; extensions: { code: string } }[] })
      .errors[0]!;
    expect(error.extensions.code).toBe("CSRF_HEADER_REQUIRED");
    expect(error.message).toContain("x-graphql-csrf");
    const allowed = await fetch(query("{ __typename }"), { headers: { ...headers, "x-graphql-csrf": "1" } });
    expect(allowed.status).toBe(200);
    const before = await appended();
    const mutation = await fetch(query(`mutation { ${deposit("d")} }`), {
      headers: { ...headers, "x-graphql-csrf": "1" },
    });
    expect(mutation.status).toBe(405);
    expect(await appended()).toBe(before);
  });

  it("refuses WebSocket upgrades from another site's pages, accepts its own and non-browser clients", async () => {
    const opens = (origin?: string) =>
      new Promise<number | "open">((resolve) => {
        const socket = new WebSocket(
          t.url.replace(/^http/, "ws"),
          "graphql-transport-ws",
          origin ? { origin } : {},
        );
        socket.on("open", () => {
          socket.close();
          resolve("open");
        });
        socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
        socket.on("error", () => undefined);
      });
    expect(await opens("https://evil.example")).toBe(403);
    expect(await opens(new URL(t.url).origin)).toBe("open");
    expect(await opens()).toBe("open");
  });
});

describe("per-user mutation rate limit", () => {
  it("counts every aliased call, refuses what is over the budget without running it, also over WebSocket", async () => {
    const bob = await t.as("customer", "bob");
    await mutate(bob, "openAccount", { accountId: "bob-rate", ownerId: "bob", currency: "USD" }); // 1 of 8
    const bobDeposits = (n: number, from = 0) =>
      `mutation { ${Array.from(
        { length: n },
        (_, i) =>
          `d${from + i}: deposit(input: { accountId: "bob-rate", amount: { amount: "1.00", currency: "USD" } }) { __typename }`,
      ).join(" ")} }`;
    const length = async () => (await t.service.store.readStream(accountStreamId("bob-rate"))).length;

    const tooMany = await bob.post({ query: bobDeposits(9) });
    expect(tooMany.status).toBe(429);
    expect(codes(tooMany.body)).toEqual(["RATE_LIMITED"]);
    expect(tooMany.body.errors?.[0]?.message).toMatch(/9 mutation calls; at most 8/);
    expect(await length()).toBe(1);

    expect((await bob.post({ query: bobDeposits(5) })).status).toBe(200); // 6 of 8
    const over = await bob.post({ query: bobDeposits(3, 5) });
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(over.body.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", limit: 8 });
    expect(await length()).toBe(6);

    const overSocket = await overWebSocket(
      t.url,
      { query: bobDeposits(3, 8) },
      await tokenFor(t.config, "customer", "bob"),
    );
    expect(codes(overSocket)).toEqual(["RATE_LIMITED"]);
    expect(overSocket.errors?.[0]?.extensions).not.toHaveProperty("http");
    expect(await length()).toBe(6);

    // Budgets are per user: alice still has hers.
    expect((await mutate(alice, "deposit", { accountId: "target", amount: usd("1.00") })).__typename).toBe(
      "AccountChange",
    );
  });
});
