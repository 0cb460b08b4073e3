import type { GraphQLError } from "graphql";
import { createGraphQLError, type Plugin } from "graphql-yoga";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Reads a request body, counting bytes as they arrive; stops at the first byte past `limit`
 * (null), so an oversized body is never held in memory, let alone parsed. A declared
 * Content-Length over the limit is refused before reading anything.
 */
export function readBodyWithin(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  if (declaresMoreThan(request, limit)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      request.off("data", onData).off("end", onEnd).off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      done();
      // Stop reading, but keep the socket: the 413 still has to go out on it.
      request.pause();
      resolve(null);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    request.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

/** What a client is told of a body over the limit, over HTTP and to in-process callers alike. */
function tooLarge(limit: number) {
  return {
    message: `The request body is larger than ${limit} bytes`,
    extensions: { code: "PAYLOAD_TOO_LARGE", limit },
  };
}

/** Whether the request's Content-Length announces more than `limit` bytes. */
export function declaresMoreThan(request: IncomingMessage, limit: number): boolean {
  const declared = Number(request.headers["content-length"]);
  return Number.isFinite(declared) && declared > limit;
}

/**
 * Bytes of a refused body read and thrown away after the 413, per limit byte. A connection closed
 * with bytes still coming is reset by the kernel, and a client still sending (a browser's fetch, a
 * curl without `Expect`) then loses the 413 it has not read yet and reports a broken connection.
 * So the rest of a body up to this many times the limit is read to its end (the connection then
 * stays open, as after any answer); anything larger is cut off (whoever sends 16 MB to a 1 MB
 * limit is told by the reset).
 */
const DISCARD_FACTOR = 16;

/**
 * 413 in GraphQL-over-HTTP shape. The body is not kept: what is still coming is read and thrown
 * away up to a bound (DISCARD_FACTOR), past which the connection is closed. `beforeBody`: the
 * client waits to be told to send it (`Expect: 100-continue`) and now never will; the connection
 * closes, as nothing is coming.
 */
export function refuseTooLarge(
  request: IncomingMessage,
  response: ServerResponse,
  limit: number,
  { beforeBody = false } = {},
): void {
  const budget = limit * DISCARD_FACTOR;
  const discard = !beforeBody && !declaresMoreThan(request, budget);
  const body = JSON.stringify({ errors: [tooLarge(limit)] });
  response.writeHead(413, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...(!discard && { connection: "close" }),
  });
  response.end(body);
  if (!discard) return;
  let discarded = 0;
  request.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > budget) request.socket.destroy();
  });
  request.resume();
}

/** Methods whose requests carry a body worth limiting. */
export function carriesBody(request: IncomingMessage): boolean {
  return request.method !== "GET" && request.method !== "HEAD" && request.method !== "OPTIONS";
}

/** The same refusal as a GraphQL error for yoga to answer (status 413). */
function bodyTooLarge(limit: number): GraphQLError {
  const { message, extensions } = tooLarge(limit);
  return createGraphQLError(message, { extensions: { ...extensions, http: { status: 413 } } });
}

/**
 * The body limit for requests that did not come through `listen` (a direct `gateway.fetch`
 * caller). Requests that did were read within the limit before yoga saw them; yoga's own limit
 * (`maxRequestBodySize`) would wrap that already-read body in a counting stream for every request
 * again, which a profile of `{ __typename }` put at a sixth of the gateway's time.
 */
export function useBodyLimitOutsideHttp(limit: number): Plugin {
  return {
    onRequestParse({ request, serverContext, requestParser, setRequestParser }) {
      const req = (serverContext as { req?: { body?: unknown } }).req;
      if (Buffer.isBuffer(req?.body)) return;
      const declared = request.headers.get("content-length");
      if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > limit)) {
        throw bodyTooLarge(limit);
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser(async (original) => {
        const chunks: Uint8Array[] = [];
        let size = 0;
        const reader = original.body!.getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          size += read.value.byteLength;
          if (size > limit) {
            await reader.cancel();
            throw bodyTooLarge(limit);
          }
          chunks.push(read.value);
        }
        return parse(
          new Request(original.url, {
            method: original.method,
            headers: original.headers,
            signal: original.signal,
            body: Buffer.concat(chunks, size),
          }),
        );
      });
    },
  };
}
