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

/** 413 in GraphQL-over-HTTP shape; the connection is closed so the rest of the body is never read. */
export function refuseTooLarge(response: ServerResponse, limit: number): void {
  const body = JSON.stringify({
    errors: [
      {
        message: `The request body is larger than ${limit} bytes`,
        extensions: { code: "PAYLOAD_TOO_LARGE", limit },
      },
    ],
  });
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
