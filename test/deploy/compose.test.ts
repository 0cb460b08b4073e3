import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The production topology (docker-compose.yml, Dockerfile) checked without Docker: the files parse,
 * the services are there with their roles and settings, and every variable the compose file gives
 * the application is one the application reads.
 */
const root = resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(join(root, file), "utf8");

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  deploy?: { replicas?: number };
  configs?: { source: string; target: string }[];
  healthcheck?: { test: string[] | string };
}

interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  configs: Record<string, { content: string }>;
}

// `merge`: the application services share their settings through YAML merge keys (<<).
const compose = parse(read("docker-compose.yml"), { merge: true }) as Compose;
const { services } = compose;
const appServices = ["gateway", "projector", "worker"] as const;

/** Variables the configuration reads: server/config.ts and the settings modules it imports. */
function variablesReadByConfig(): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    // env.NAME, env["NAME"], and a setting read through a helper: positiveInteger(env, "NAME", …).
    const reads = /\benv\.([A-Z][A-Z0-9_]*)|\benv\[["']([A-Z][A-Z0-9_]*)["']\]|\(env,\s*"([A-Z][A-Z0-9_]*)"/g;
    for (const match of source.matchAll(reads)) {
      names.add(match[1] ?? match[2] ?? match[3]!);
    }
    for (const match of source.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
      const imported = join(dirname(file), `${match[1]}.ts`);
      if (existsSync(imported)) visit(imported);
    }
  };
  visit(join(root, "server/config.ts"));
  return names;
}

describe("docker-compose.yml", () => {
  it("has the whole system: KurrentDB, Redis, two gateways behind a proxy, a projector, a worker", () => {
    expect(Object.keys(services).sort()).toEqual(
      ["gateway", "kurrentdb", "projector", "proxy", "redis", "worker"].sort(),
    );
  });

  it("runs every application process from the repository's image with its ROLE", () => {
    for (const name of appServices) {
      const service = services[name]!;
      expect(service.build, name).toBe(".");
      expect(service.environment?.ROLE, name).toBe(name);
      expect(service.environment?.EVENT_STORE_URL, name).toMatch(/^kurrentdb:\/\/kurrentdb:2113\?tls=false$/);
      expect(service.environment?.REDIS_URL, name).toBe("redis://redis:6379");
      expect(service.depends_on, name).toMatchObject({
        kurrentdb: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
      });
    }
  });

  it("sets only variables the service reads (server/config.ts)", () => {
    const known = variablesReadByConfig();
    expect(known.has("EVENT_STORE_URL")).toBe(true);
    for (const name of appServices) {
      const unknown = Object.keys(services[name]!.environment ?? {}).filter((key) => !known.has(key));
      expect(unknown, `${name} sets variables nothing reads`).toEqual([]);
    }
  });

  it("serves two gateway replicas on all interfaces, healthy when /health answers", () => {
    const gateway = services.gateway!;
    expect(gateway.deploy?.replicas).toBe(2);
    expect(gateway.environment?.HOST).toBe("0.0.0.0");
    expect(gateway.environment?.PORT).toBe("4000");
    expect(gateway.environment?.JWT_SECRET?.length).toBeGreaterThan(0);
    expect(JSON.stringify(gateway.healthcheck?.test)).toContain("/health");
  });

  it("puts the gateways behind one port, WebSocket upgrades included", () => {
    const proxy = services.proxy!;
    expect(proxy.ports).toContain("4000:80");
    const config = proxy.configs?.[0];
    const content = compose.configs[config!.source]!.content;
    expect(config?.target).toBe("/etc/nginx/conf.d/default.conf");
    expect(content).toMatch(/set \$\$gateway http:\/\/gateway:4000;/);
    expect(content).toMatch(/proxy_pass \$\$gateway;/);
    expect(content).toMatch(/proxy_set_header Upgrade \$\$http_upgrade;/);
    expect(content).toMatch(/proxy_set_header Connection \$\$connection_upgrade;/);
    expect(content).toMatch(/proxy_http_version 1\.1;/);
  });

  it("runs KurrentDB as a single insecure node with its data on a volume", () => {
    const kurrentdb = services.kurrentdb!;
    expect(kurrentdb.image).toMatch(/kurrentdb/);
    expect(kurrentdb.environment).toMatchObject({ KURRENTDB_CLUSTER_SIZE: "1", KURRENTDB_INSECURE: "true" });
    expect(kurrentdb.volumes).toContain("kurrentdb-data:/var/lib/kurrentdb");
    expect(kurrentdb.healthcheck).toBeDefined();
  });

  it("runs Redis with the append-only file on and no eviction, its data on a volume", () => {
    const redis = services.redis!;
    expect(redis.command?.join(" ")).toContain("--appendonly yes");
    expect(redis.command?.join(" ")).toContain("--maxmemory-policy noeviction");
    expect(redis.volumes).toContain("redis-data:/data");
  });

  it("declares every named volume the services use", () => {
    const used = Object.values(services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(":")[0]!)
      .filter((source) => !source.startsWith(".") && !source.startsWith("/"));
    for (const volume of used) expect(Object.keys(compose.volumes)).toContain(volume);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const packageJson = JSON.parse(read("package.json")) as {
    dependencies: Record<string, string>;
    engines: { node: string };
  };

  it("builds on Node 26 slim (the current LTS line), which engines admits, with a clean install from the lockfile", () => {
    const [, major] = /^FROM node:(\d+)(\.[\d.]+)?-slim\b/m.exec(dockerfile) ?? [];
    expect(major).toBe("26");
    const [, lowest] = /^>=(\d+)\.\d+$/.exec(packageJson.engines.node) ?? [];
    expect(Number(major)).toBeGreaterThanOrEqual(Number(lowest));
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^COPY package\.json package-lock\.json \.\/$/m);
  });

  it("starts the service entry point through tsx, which production installs", () => {
    expect(dockerfile).toMatch(/^CMD \["node", "--import", "tsx", "server\/main\.ts"\]$/m);
    expect(existsSync(join(root, "server/main.ts"))).toBe(true);
    // `npm ci --omit=dev` installs dependencies only: tsx and the KurrentDB client must be among them.
    expect(packageJson.dependencies).toHaveProperty("tsx");
    expect(packageJson.dependencies).toHaveProperty("@kurrent/kurrentdb-client");
  });

  it("keeps local installs and data out of the build context", () => {
    const ignored = read(".dockerignore").split("\n");
    expect(ignored).toContain("node_modules");
    expect(ignored).toContain("data");
  });
});

describe("docker-compose.cluster.yml (the read side on a Redis Cluster)", () => {
  const cluster = parse(read("docker-compose.cluster.yml"), { merge: true }) as Compose;
  const nodes = ["redis-1", "redis-2", "redis-3"];

  it("runs three cluster-mode masters, each keeping every key (append-only file, noeviction) on a volume", () => {
    for (const name of nodes) {
      const node = cluster.services[name]!;
      const command = (node.command ?? []).join(" ");
      expect(command, name).toContain("--cluster-enabled yes");
      expect(command, name).toContain("--appendonly yes");
      expect(command, name).toContain("--maxmemory-policy noeviction");
      expect(node.environment?.NODE, name).toBe(name);
      expect(node.volumes, name).toContain(`${name}-data:/data`);
      expect(Object.keys(cluster.volumes)).toContain(`${name}-data`);
    }
  });

  it("joins them into one cluster once they answer, and starts the application after it", () => {
    const init = cluster.services["redis-cluster-init"]!;
    const command = (init.command ?? []).join(" ");
    expect(command).toContain("--cluster create");
    for (const name of nodes) expect(command).toContain(`getent hosts ${name}`);
    expect(init.depends_on).toMatchObject(
      Object.fromEntries(nodes.map((name) => [name, { condition: "service_healthy" }])),
    );
    for (const name of appServices) {
      expect(cluster.services[name]!.depends_on, name).toMatchObject({
        "redis-cluster-init": { condition: "service_completed_successfully" },
      });
    }
  });

  it("runs one projector partition per master, and tells every gateway and worker the count", () => {
    const partitions = Object.entries(cluster.services)
      .filter(([, service]) => service.environment?.PROJECTOR_PARTITION !== undefined)
      .map(([name, service]) => [name, service.environment!.PROJECTOR_PARTITION] as const);
    expect(partitions.map(([, partition]) => partition).sort()).toEqual(["0/3", "1/3", "2/3"]);
    for (const [name] of partitions) {
      const environment = cluster.services[name]!.environment ?? {};
      expect(environment.REDIS_CLUSTER_NODES, name).toBe(nodes.map((node) => `${node}:6379`).join(","));
      expect(cluster.services[name]!.depends_on, name).toMatchObject({
        "redis-cluster-init": { condition: "service_completed_successfully" },
      });
      if (name !== "projector") {
        expect((cluster.services[name] as { extends?: unknown }).extends, name).toEqual({
          file: "docker-compose.yml",
          service: "projector",
        });
      }
    }
    for (const name of ["gateway", "worker"]) {
      expect(cluster.services[name]!.environment?.PROJECTOR_PARTITIONS, name).toBe("3");
    }
  });

  it("points every application process at the cluster, with variables the service reads", () => {
    const known = variablesReadByConfig();
    for (const name of appServices) {
      const environment = cluster.services[name]!.environment ?? {};
      expect(environment.REDIS_CLUSTER_NODES, name).toBe(nodes.map((node) => `${node}:6379`).join(","));
      // Overrides docker-compose.yml's REDIS_URL: the service refuses both at once.
      expect(environment.REDIS_URL, name).toBe("");
      expect(
        Object.keys(environment).filter((key) => !known.has(key)),
        name,
      ).toEqual([]);
    }
  });
});
