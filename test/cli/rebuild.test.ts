import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../support/process-group";
import { deleteKeys, testRedisUrl } from "../support/service";

/**
 * `npm run rebuild` against a Redis of its own (a key prefix of its own) with no worker running:
 * the rebuild it starts waits, so a second one is refused, and the refusal says how to cancel the
 * first from the command line.
 */
const prefix = `test:${randomBytes(6).toString("hex")}:`;
const env = { REDIS_URL: testRedisUrl, REDIS_CLUSTER_NODES: undefined, REDIS_PREFIX: prefix };
const rebuild = (...args: string[]) => run("npm", ["run", "-s", "rebuild", "--", ...args], env);

afterAll(async () => {
  await deleteKeys(prefix);
});

describe("npm run rebuild", () => {
  it("refuses a second rebuild of a view while one is running, naming its own --cancel", async () => {
    const first = await rebuild("accounts", "--detach");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const jobId = /\(job ([^)]+)\)/.exec(first.stdout)?.[1];
    expect(jobId, first.stdout).toBeDefined();

    const second = await rebuild("accounts", "--detach");
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `A rebuild of accounts is already waiting (job ${jobId}); wait for it, or cancel it with ` +
        "npm run rebuild -- accounts --cancel",
    );
    expect(second.stderr).not.toContain("cancelRebuild");

    const cancelled = await rebuild("accounts", "--cancel");
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`Cancelled the rebuild of accounts (job ${jobId}).`);
  });
});
