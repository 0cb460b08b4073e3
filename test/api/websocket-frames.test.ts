import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { mintToken } from "../../server/auth/tokens";
import { loadConfig } from "../../server/config";
import { ProcessGroup } from "../support/process-group";
import { dropTestData, testServiceEnv } from "../support/service";
import { overWebSocket } from "./support/ws";

/**
 * Frames the WebSocket protocol refuses, sent by a client that never authenticated, against the
 * service as a process (its real stdout and stderr): each closes its own connection with the
 * protocol's code and one log line, with no stack trace, and the other connections go on.
 */
const { schema, prefix, env } = testServiceEnv();
const secret = randomBytes(32).toString("hex");
let service: ProcessGroup;
let url: string;

beforeAll(async () => {
  service = new ProcessGroup(process.execPath, ["--import", "tsx", "server/main.ts"], {
    ...env,
    JWT_SECRET: secret,
    MAX_BODY_BYTES: "4096",
    DEMO: "off",
    SAMPLE_DATA: "false",
    LOG_LEVEL: "info",
    NODE_ENV: undefined,
  });
  [, url] = (await service.waitFor(/GraphQL endpoint and GraphiQL: (\S+)/, 60_000)) as [string, string];
}, 90_000);
afterAll(async () => {
  await service?.kill();
  await dropTestData(schema, prefix);
});

/** Opens a graphql-ws connection without ever sending connection_init, and sends `data` as text. */
function sendRaw(data: string | Buffer): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws");
    socket.on("open", () => socket.send(data, { binary: false }));
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    socket.on("error", () => undefined); // the close event tells what happened
    setTimeout(() => reject(new Error("the server did not close the connection")), 10_000).unref();
  });
}

describe("WebSocket frames the protocol refuses", () => {
  it("closes only that connection, with the protocol's code and one log line, and no stack trace", async () => {
    const before = service.output.length;
    const oversized = await sendRaw(`{"type":"connection_init","payload":"${"x".repeat(20_000)}"}`);
    expect(oversized.code).toBe(1009); // Message Too Big
    const notUtf8 = await sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(notUtf8.code).toBe(1007); // Invalid frame payload data
    const notAMessage = await sendRaw("hello");
    expect(notAMessage.code).toBe(4400); // graphql-ws: Bad Request

    // Meanwhile the service answers others, over WebSocket too.
    const { auth } = loadConfig({ JWT_SECRET: secret, ROLE: "projector" });
    const token = await mintToken(auth, { sub: "alice", role: "customer" });
    const answer = await overWebSocket(url, { query: "{ __typename }" }, token);
    expect(answer).toMatchObject({ data: { __typename: "Query" } });

    // Give the log a moment to reach the pipe, then read what the two refusals wrote.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const output = service.output.slice(before);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toMatch(/Internal error|Please check your implementation/);
    const refusals = output
      .split("\n")
      .filter((line) => line.includes("the client sent a frame the protocol refuses"))
      .map((line) => JSON.parse(line) as { level: number; closeCode: number; error: string });
    expect(refusals.map(({ level, closeCode, error }) => ({ level, closeCode, error }))).toEqual([
      { level: 40, closeCode: 1009, error: "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" },
      { level: 40, closeCode: 1007, error: "WS_ERR_INVALID_UTF8" },
    ]);
  });
});
