import { defineConfig } from "vitest/config";

/**
 * The suites that run a second time on a 3-master Redis Cluster (the "redis-cluster" project):
 * the end-to-end and live-view suites through GraphQL (with two projector partitions, see
 * test/support/service.ts), the crash and partition drills, and the
 * cluster's own (resharding). Each file names its Redis through test/support/redis-target.ts.
 */
const onCluster = [
  "test/e2e/accounts.test.ts",
  "test/e2e/banking-story.test.ts",
  "test/e2e/live-views.test.ts",
  "test/e2e/metrics.test.ts",
  "test/e2e/operations.test.ts",
  "test/e2e/orders.test.ts",
  "test/e2e/order-stock.test.ts",
  "test/e2e/transfers.test.ts",
  "test/e2e/top-customers.test.ts",
  "test/e2e/revenue.test.ts",
  "test/e2e/rebuild.test.ts",
  "test/jobs/rebuild.test.ts",
  "test/chaos/crash-anywhere.test.ts",
  "test/chaos/partitions.test.ts",
  "test/cluster/**/*.test.ts",
];

// Suites talk to real Redis and PostgreSQL; each file uses its own Redis key prefix / database
// and its own PostgreSQL schema, so files may run in parallel.
export default defineConfig({
  // graphql@16 ships CJS (main) and ESM (.mjs, "module"); Node loads the CJS one for the libraries,
  // so tests must too, or two copies of graphql meet ("from another module or realm").
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: process.env.CI ? { json: "test-results.json" } : undefined,
    projects: [
      {
        extends: true,
        test: {
          name: "redis",
          include: ["test/**/*.test.ts", "domain/**/*.test.ts"],
          // The cluster's own suites need a cluster: they run in the project below only.
          exclude: ["test/cluster/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "redis-cluster",
          include: onCluster,
          // A test service there starts a second process (its partition 1) and waits for it.
          hookTimeout: 90_000,
          globalSetup: ["test/support/cluster-setup.ts"],
        },
      },
    ],
  },
});
