import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The baseline for fan-out: node:http and nothing else. Any request opens an event stream and gets
 * the current "view"; POST /change bumps the revision and writes one event to every open stream,
 * with the payload shaped like the gateway's `accountUpdated`.
 */
export async function startBareSse(): Promise<{ url: string; changeUrl: string; close(): Promise<void> }> {
  const streams = new Set<ServerResponse>();
  let revision = 0;
  const payload = () =>
    `event: next\ndata: ${JSON.stringify({
      data: {
        accountUpdated: {
          position: `${revision}:${revision}`,
          account: { id: "bare", revision, balance: { amount: `${revision}.00`, currency: "USD" } },
        },
      },
    })}\n\n`;
  const server = createServer((request, response) => {
    request.resume();
    if (request.url === "/change") {
      revision++;
      const message = payload();
      for (const stream of streams) stream.write(message);
      response.writeHead(200, { "content-type": "application/json" }).end(`{"revision":${revision}}`);
      return;
    }
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    response.write(payload());
    streams.add(response);
    response.on("close", () => streams.delete(response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    changeUrl: `http://127.0.0.1:${port}/change`,
    async close() {
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
