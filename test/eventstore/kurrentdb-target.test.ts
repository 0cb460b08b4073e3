import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultKurrentDbImage, kurrentDbTarget } from "../support/kurrentdb";

/**
 * Where the KurrentDB conformance run finds its server (conformance.test.ts): KURRENTDB_URL, else a
 * container wherever a Docker engine answers, else a skip that says why. A stand-in engine (a
 * socket answering /_ping) shows the choice without Docker; starting the container itself needs a
 * real engine (the GitHub Actions workflow's kurrentdb-testcontainers job).
 */
const dir = mkdtempSync(join(tmpdir(), "ledgerline-docker-"));
const socket = join(dir, "docker.sock");
let engine: Server;
beforeAll(async () => {
  engine = createServer((request, response) => {
    response.statusCode = request.url === "/_ping" ? 200 : 404;
    response.end("OK");
  });
  await new Promise<void>((resolve) => engine.listen(socket, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => engine.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const testcontainersLoads = major > 22 || (major === 22 && minor >= 22);

describe("the KurrentDB server of the conformance run", () => {
  it("is KURRENTDB_URL's when it is set, whatever else answers", async () => {
    expect(
      await kurrentDbTarget({
        KURRENTDB_URL: "kurrentdb://127.0.0.1:2113?tls=false",
        DOCKER_HOST: `unix://${socket}`,
      }),
    ).toEqual({ kind: "url", url: "kurrentdb://127.0.0.1:2113?tls=false" });
  });

  it("is a container testcontainers starts where a Docker engine answers (on a Node it loads on)", async () => {
    const target = await kurrentDbTarget({ DOCKER_HOST: `unix://${socket}` });
    if (testcontainersLoads) {
      expect(target).toEqual({
        kind: "container",
        image: defaultKurrentDbImage,
        engine: `DOCKER_HOST=unix://${socket}`,
      });
    } else {
      expect(target).toEqual({
        kind: "none",
        reason: expect.stringMatching(
          /a Docker engine answers .* @testcontainers\/kurrentdb needs Node 22\.22 or later; this is v/,
        ),
      });
    }
    const image = await kurrentDbTarget({
      DOCKER_HOST: `unix://${socket}`,
      KURRENTDB_IMAGE: "kurrentplatform/kurrentdb:24.10",
    });
    if (testcontainersLoads) expect(image).toMatchObject({ image: "kurrentplatform/kurrentdb:24.10" });
  });

  it("is none, with the reason, where no engine answers", async () => {
    expect(await kurrentDbTarget({ DOCKER_HOST: `unix://${join(dir, "nobody.sock")}` })).toEqual({
      kind: "none",
      reason: `KURRENTDB_URL is not set and no Docker engine answers (no answer at DOCKER_HOST=unix://${join(dir, "nobody.sock")})`,
    });
    expect(await kurrentDbTarget({ DOCKER_HOST: "tcp://127.0.0.1:1" })).toMatchObject({
      kind: "none",
      reason: expect.stringMatching(/no answer at DOCKER_HOST=tcp:\/\/127\.0\.0\.1:1/),
    });
  });
});
