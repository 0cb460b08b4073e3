import { existsSync } from "node:fs";
import { request } from "node:http";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { KurrentDbEventStore } from "../../eventstore/kurrentdb/store";
import type { KurrentDbPersistentSubscription } from "../../eventstore/kurrentdb/subscription";
import type { TestEventStore } from "./eventstores";

/**
 * Where the KurrentDB conformance run gets its server, in this order:
 *
 * 1. KURRENTDB_URL (kurrentdb://127.0.0.1:2113?tls=false): a server someone runs, such as the
 *    service container of the GitHub Actions workflow.
 * 2. A Docker engine that answers (DOCKER_HOST, or the usual sockets): the suite starts a KurrentDB
 *    container of its own through @testcontainers/kurrentdb (image KURRENTDB_IMAGE, default the one
 *    docker-compose.yml runs) and removes it afterwards.
 * 3. Neither: the run is reported as skipped, with the reason in its title. With
 *    KURRENTDB_REQUIRED=true (CI jobs that provide a server) that is a failure instead.
 */
export type KurrentDbTarget =
  | { readonly kind: "url"; readonly url: string }
  | { readonly kind: "container"; readonly image: string; readonly engine: string }
  | { readonly kind: "none"; readonly reason: string };

export const defaultKurrentDbImage = "kurrentplatform/kurrentdb:25.0";
/** testcontainers 12 (and its HTTP client, undici 8) do not load on older Node lines. */
const testcontainersNode = [22, 22] as const;

export async function kurrentDbTarget(env: NodeJS.ProcessEnv = process.env): Promise<KurrentDbTarget> {
  if (env.KURRENTDB_URL) return { kind: "url", url: env.KURRENTDB_URL };
  const engine = await dockerEngine(env);
  if (!engine.answers) {
    return {
      kind: "none",
      reason: `KURRENTDB_URL is not set and no Docker engine answers (${engine.tried})`,
    };
  }
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major < testcontainersNode[0] || (major === testcontainersNode[0] && minor < testcontainersNode[1])) {
    return {
      kind: "none",
      reason: `a Docker engine answers (${engine.tried}) but @testcontainers/kurrentdb needs Node 22.22 or later; this is ${process.version}`,
    };
  }
  return { kind: "container", image: env.KURRENTDB_IMAGE || defaultKurrentDbImage, engine: engine.tried };
}

/** A test store on the target's server; a container is started here and removed on `close()`. */
export async function createKurrentDbTarget(target: KurrentDbTarget): Promise<TestEventStore> {
  if (target.kind === "none") throw new Error(`no KurrentDB: ${target.reason}`);
  let url: string;
  let stopContainer: () => Promise<void> = async () => undefined;
  if (target.kind === "url") {
    url = target.url;
  } else {
    // Loaded only here: the package does not load on Node 20, where the suite never gets this far.
    const { KurrentDbContainer } = await import("@testcontainers/kurrentdb");
    const container = await new KurrentDbContainer(target.image).start();
    url = container.getConnectionString();
    stopContainer = async () => void (await container.stop());
  }
  const store = KurrentDbEventStore.fromUrl(url);
  return {
    store,
    schema: "kurrentdb",
    simulateCrash: (subscription) => (subscription as KurrentDbPersistentSubscription).simulateCrash(),
    close: async () => {
      await store.close();
      await stopContainer();
    },
  };
}

/** Whether a Docker engine answers its /_ping, and where it was looked for. */
async function dockerEngine(env: NodeJS.ProcessEnv): Promise<{ answers: boolean; tried: string }> {
  const candidates: { label: string; options: { socketPath: string } | { host: string; port: number } }[] =
    [];
  const host = env.DOCKER_HOST;
  if (host?.startsWith("unix://")) {
    candidates.push({ label: `DOCKER_HOST=${host}`, options: { socketPath: host.slice("unix://".length) } });
  } else if (host?.startsWith("tcp://")) {
    const url = new URL(host.replace(/^tcp:/, "http:"));
    candidates.push({
      label: `DOCKER_HOST=${host}`,
      options: { host: url.hostname, port: Number(url.port || 2375) },
    });
  } else {
    const sockets = [
      "/var/run/docker.sock",
      env.XDG_RUNTIME_DIR && join(env.XDG_RUNTIME_DIR, "docker.sock"),
      join(homedir(), ".docker", "run", "docker.sock"),
      join(homedir(), ".docker", "desktop", "docker.sock"),
      join("/run", "user", String(userInfo().uid), "docker.sock"),
    ].filter((path): path is string => Boolean(path));
    for (const socketPath of new Set(sockets)) {
      if (existsSync(socketPath)) candidates.push({ label: socketPath, options: { socketPath } });
    }
    if (candidates.length === 0) {
      return {
        answers: false,
        tried: "DOCKER_HOST unset, no Docker socket at /var/run/docker.sock or the user's",
      };
    }
  }
  for (const candidate of candidates) {
    if (await pings(candidate.options)) return { answers: true, tried: candidate.label };
  }
  return { answers: false, tried: `no answer at ${candidates.map((c) => c.label).join(", ")}` };
}

function pings(options: { socketPath: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const ping = request({ ...options, path: "/_ping", method: "GET", timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    ping.on("timeout", () => ping.destroy());
    ping.on("error", () => resolve(false));
    ping.end();
  });
}
