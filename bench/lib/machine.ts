import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import type { Redis } from "ioredis";
import type pg from "pg";

export interface MachineFacts {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly platform: string;
  readonly kernel: string;
  readonly node: string;
  readonly postgres: string;
  readonly redis: string;
  readonly packages: Record<string, string>;
  readonly gitCommit: string | null;
  readonly gitDirty: boolean | null;
  readonly loadAverage: readonly number[];
  readonly nodeEnv: string | null;
}

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export async function machineFacts(db: pg.Pool, redis: Redis): Promise<MachineFacts> {
  const { rows } = await db.query<{ server_version: string }>("SHOW server_version");
  const info = await redis.info("server");
  const dirty = git(["status", "--porcelain"]);
  return {
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    postgres: rows[0]?.server_version ?? "unknown",
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
    packages: Object.fromEntries(
      ["graphql-yoga", "graphql", "ioredis", "pg", "autocannon", "hdr-histogram-js", "graphql-ws"].map(
        (name) => [name, packageVersion(name)],
      ),
    ),
    gitCommit: git(["rev-parse", "HEAD"]),
    gitDirty: dirty === null ? null : dirty.length > 0,
    loadAverage: os.loadavg(),
    nodeEnv: process.env.NODE_ENV ?? null,
  };
}
