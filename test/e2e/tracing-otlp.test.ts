import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestService, type TestService } from "../support/service";

/** What an OTLP collector would receive: the service posts its spans here when it is told to. */
interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

let collector: Server;
const received: Received[] = [];
beforeAll(async () => {
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        path: request.url ?? "",
        contentType: request.headers["content-type"],
        body: Buffer.concat(chunks),
      });
      response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => collector.close(() => resolve()));
});

describe("tracing with OTEL_EXPORTER_OTLP_ENDPOINT set", () => {
  let t: TestService | null = null;
  afterAll(async () => {
    await t?.stop();
  });

  it("exports the spans of a mutation and of the projectors that apply it over OTLP/HTTP, the last ones at stop", async () => {
    const { port } = collector.address() as AddressInfo;
    t = await startTestService({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_SERVICE_NAME: "ledgerline-otlp-test",
    });
    const answer = await t.gql<{ openAccount: { __typename: string } }>(
      `mutation Open { openAccount(input: { ownerId: "otto", currency: "USD", accountId: "ot-1" }) { __typename } }`,
    );
    expect(answer.data?.openAccount.__typename).toBe("AccountChange");
    // The projectors apply it after the answer; their spans are in the batch the stop sends.
    await eventually(async () => {
      expect(await t!.service.redis.exists(`${t!.prefix}projector:accounts:checkpoint`)).toBe(1);
    });
    await t.stop();
    t = null;

    expect(received.length).toBeGreaterThan(0);
    for (const request of received) {
      expect(request.path).toBe("/v1/traces");
      expect(request.contentType).toBe("application/x-protobuf");
    }
    // Protobuf keeps strings as they are: the span names and the service name are in the bytes.
    const sent = Buffer.concat(received.map((request) => request.body)).toString("latin1");
    for (const text of [
      "ledgerline-otlp-test",
      "mutation Open",
      "command OpenAccount",
      "eventstore append",
      "projector accounts",
    ]) {
      expect(sent, text).toContain(text);
    }
  });
});
