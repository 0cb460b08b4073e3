import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster, Redis } from "ioredis";
import { freePort } from "../../server/redis";
import { killOnExit, ownServerAnswers } from "./private-redis";

/**
 * A Redis Cluster of the test's own: `masters` redis-servers with cluster mode on, each on a free
 * port with its own working directory (nodes.conf), joined with `redis-cli --cluster create` (no
 * replicas) and waited on until every node reports `cluster_state:ok`. Nothing is persisted; `stop()`
 * kills the servers and removes their directory.
 */
export class PrivateRedisCluster {
  private constructor(
    readonly ports: readonly number[],
    private readonly children: readonly ChildProcess[],
    private readonly dir: string,
  ) {}

  /** The nodes as REDIS_CLUSTER_NODES takes them ("host:port,host:port,…"). */
  get nodes(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(",");
  }

  static async start(masters = 3): Promise<PrivateRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), "ledgerline-cluster-"));
    const ports: number[] = [];
    const children: ChildProcess[] = [];
    const cluster = new PrivateRedisCluster(ports, children, dir);
    try {
      for (let i = 0; i < masters; i++) {
        // A port taken between freePort() and the bind makes that server exit: try another.
        for (let attempt = 0; ; attempt++) {
          const port = await freePort();
          const child = startNode(port, join(dir, String(port)));
          if (await ownServerAnswers(port, child)) {
            ports.push(port);
            children.push(child);
            break;
          }
          child.kill("SIGKILL");
          if (attempt >= 5) throw new Error(`a cluster node did not start (last port tried ${port})`);
        }
      }
      const created = spawnSync(
        "redis-cli",
        [
          "--cluster",
          "create",
          ...ports.map((p) => `127.0.0.1:${p}`),
          "--cluster-replicas",
          "0",
          "--cluster-yes",
        ],
        { encoding: "utf8", timeout: 30_000 },
      );
      if (created.status !== 0) {
        throw new Error(`redis-cli --cluster create failed: ${created.stdout}\n${created.stderr}`);
      }
      await cluster.waitUntilServing();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Every node says the cluster is ok and a client sees every slot served. */
  private async waitUntilServing(): Promise<void> {
    for (let i = 0; i < 400; i++) {
      const states = await Promise.all(this.ports.map((port) => clusterState(port)));
      if (states.every((state) => state === "ok")) {
        const client = this.client();
        try {
          await client.set("cluster-probe", "1");
          await client.del("cluster-probe");
          return;
        } catch {
          // Not every node has learned the slot map yet.
        } finally {
          client.disconnect();
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the cluster on ports ${this.ports.join(", ")} did not become ready`);
  }

  /** A plain cluster client (the test's own; disconnect it when done). */
  client(): Cluster {
    return new Cluster(this.ports.map((port) => ({ host: "127.0.0.1", port })));
  }

  /** A direct connection to one node (for CLUSTER commands a cluster client does not route). */
  node(port: number): Redis {
    return new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1 });
  }

  /** The port of the master that serves `slot` now. */
  async ownerOf(slot: number): Promise<number> {
    const node = this.node(this.ports[0]!);
    try {
      const ranges = (await node.call("CLUSTER", "SLOTS")) as [number, number, [string, number, string]][];
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`no master serves slot ${slot}`);
      return Number(range[2][1]);
    } finally {
      node.disconnect();
    }
  }

  /** The slot of a key (hash tags counted), as the cluster computes it. */
  async slotOf(key: string): Promise<number> {
    const node = this.node(this.ports[0]!);
    try {
      return Number(await node.call("CLUSTER", "KEYSLOT", key));
    } finally {
      node.disconnect();
    }
  }

  /**
   * Moves one slot to the master on port `to` while clients keep using it, as \`redis-cli --cluster
   * reshard\` does, a few keys at a time with a pause between (so writers meet the slot half-moved:
   * ASK redirections, TRYAGAIN for commands whose keys are split): the target imports, the source
   * migrates, the keys go over with MIGRATE, then every master learns the new owner.
   */
  async moveSlot(
    slot: number,
    to: number,
    options: { keysPerStep?: number; pauseMs?: number; afterStep?: () => Promise<void> } = {},
  ) {
    const from = await this.ownerOf(slot);
    if (from === to) return;
    const source = this.node(from);
    const target = this.node(to);
    try {
      const idOf = async (node: Redis) => String(await node.call("CLUSTER", "MYID"));
      const [sourceId, targetId] = [await idOf(source), await idOf(target)];
      await target.call("CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId);
      await source.call("CLUSTER", "SETSLOT", slot, "MIGRATING", targetId);
      for (;;) {
        const keys = (await source.call(
          "CLUSTER",
          "GETKEYSINSLOT",
          slot,
          options.keysPerStep ?? 5,
        )) as string[];
        if (keys.length === 0) break;
        await source.call("MIGRATE", "127.0.0.1", to, "", 0, 10_000, "KEYS", ...keys);
        await options.afterStep?.();
        await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 20));
      }
      // The target first, then the source, then the others (the order redis-cli keeps, so no
      // node sends a client to a target that does not know yet that it owns the slot).
      for (const port of [to, from, ...this.ports.filter((p) => p !== to && p !== from)]) {
        const node = this.node(port);
        try {
          await node.call("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        } finally {
          node.disconnect();
        }
      }
    } finally {
      source.disconnect();
      target.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function startNode(port: number, dir: string): ChildProcess {
  // The node's own directory holds nodes.conf (the cluster's state); each node needs its own.
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      "nodes.conf",
      "--cluster-node-timeout",
      "2000",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    { stdio: "ignore", cwd: dir },
  );
  killOnExit(child);
  return child;
}

async function clusterState(port: number): Promise<string> {
  const probe = new Redis(port, "127.0.0.1", { retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on("error", () => undefined);
  try {
    const info = (await probe.call("CLUSTER", "INFO")) as string;
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? "unknown";
  } catch {
    return "unreachable";
  } finally {
    probe.disconnect();
  }
}
