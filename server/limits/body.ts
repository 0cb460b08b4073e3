import type { GraphQLError } from "graphql";
import { createGraphQLError, type Plugin } from "graphql-yoga";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Reads a request body, counting bytes as they arrive; stops at the first byte past `limit`
 * (null), so an oversized body is never held in memory, let alone parsed. A declared
 * Content-Length over the limit is refused before reading anything.
 */
export function readBodyWithin(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(null);
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

/** 413 in GraphQL-over-HTTP shape; the connection is closed so the rest of the body is never read. */
export function refuseTooLarge(response: ServerResponse, limit: number): void {
  const body = JSON.stringify({ errors: [tooLarge(limit)] });
  response.writeHead(413, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  response.end(body);
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
