import { defineConfig } from "vitest/config";

// Suites talk to real Redis and PostgreSQL; each file uses its own Redis key prefix / database
// and its own PostgreSQL schema, so files may run in parallel.
export default defineConfig({
  // graphql@16 ships CJS (main) and ESM (.mjs, "module"); Node loads the CJS one for the libraries,
  // so tests must too, or two copies of graphql meet ("from another module or realm").
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    include: ["test/**/*.test.ts", "domain/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: process.env.CI ? { json: "test-results.json" } : undefined,
  },
});
