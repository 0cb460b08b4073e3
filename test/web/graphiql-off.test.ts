import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeys, testRedisUrl } from "../../gameday/lib/redis-keys";
import { loadConfig } from "../../server/config";
import { testSecret, tokenFor } from "../api/support/api";
import { browserMissing, launchBrowser } from "../support/browser";
import { ProcessGroup } from "../support/process-group";

/**
 * With GraphiQL off (NODE_ENV=production turns it off), nothing points to it: not the line
 * `npm start` prints, not the dashboard's header; a browser opening the endpoint is told what
 * the endpoint is instead of getting an empty 406, while GraphQL over GET and POST works as ever.
 */
const prefix = `graphiql-off-${process.pid}:`;
let service: ProcessGroup;
let url: string;

beforeAll(async () => {
  service = new ProcessGroup(process.execPath, ["--import", "tsx", "server/main.ts"], {
    NODE_ENV: "production",
    GRAPHIQL: undefined,
    JWT_SECRET: testSecret,
    HOST: "127.0.0.1",
    PORT: "0",
    REDIS_URL: testRedisUrl,
    REDIS_AUTOSTART: "false",
    REDIS_PREFIX: prefix,
    EVENT_STORE_URL: "memory://",
    DEMO: "off",
    SAMPLE_DATA: "false",
    LOG_LEVEL: "info",
  });
  [, url] = (await service.waitFor(/^ {2}GraphQL endpoint.*: (\S+)$/m, 60_000)) as [string, string];
}, 90_000);
afterAll(async () => {
  if (service) {
    service.interrupt("SIGTERM");
    await service.closed;
  }
  await deleteKeys(prefix);
});

describe("GraphiQL off (NODE_ENV=production)", () => {
  it("the start names the GraphQL endpoint only", () => {
    expect(service.output).toMatch(/^ {2}GraphQL endpoint: http:\/\/127\.0\.0\.1:\d+\/graphql$/m);
    expect(service.output).not.toMatch(/GraphiQL/);
  });

  it("a browser's GET of the endpoint gets a short page saying so; GraphQL over GET and POST still answers", async () => {
    const page = await fetch(url, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const text = await page.text();
    expect(text).toContain("GraphiQL is not served here");
    expect(text).toContain("GRAPHIQL=true");
    expect(text).toContain("application/json");

    const token = await tokenFor(
      loadConfig({ NODE_ENV: "production", JWT_SECRET: testSecret }),
      "customer",
      "carol",
    );
    const authorization = `Bearer ${token}`;
    const get = await fetch(`${url}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "application/json", "x-graphql-csrf": "1", authorization },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { __typename: "Query" } });
    // A GET with an operation is GraphQL's even when it accepts HTML (a browser's address bar).
    const fromBar = await fetch(`${url}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "text/html", "x-graphql-csrf": "1", authorization },
    });
    expect(await fromBar.text()).not.toContain("GraphiQL is not served here");
    const post = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ data: { __typename: "Query" } });
  });
});

describe.skipIf(browserMissing)(
  `GraphiQL off, in a browser${browserMissing ? ` (skipped: ${browserMissing})` : ""}`,
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it("the dashboard's header has no GraphiQL link, and opening the endpoint says what it is", async () => {
      const page = await browser.newPage();
      const foreign: string[] = [];
      const origin = new URL(url).origin;
      page.on("request", (request) => {
        if (!request.url().startsWith(origin) && !request.url().startsWith("data:"))
          foreign.push(request.url());
      });
      const dashboard = await page.goto(new URL("/", url).toString());
      expect(dashboard?.status()).toBe(200);
      // In production the page asks for a token: its header is there all the same.
      await page.locator("header #link").waitFor({ timeout: 15_000 });
      expect(await page.locator("header h1").textContent()).toBe("Ledgerline");
      expect(await page.locator('a[href="/graphql"]').count()).toBe(0);
      expect(await page.locator("header").textContent()).not.toContain("GraphiQL");

      const endpoint = await page.goto(url);
      expect(endpoint?.status()).toBe(200);
      expect(await page.locator("h1").textContent()).toBe("Ledgerline GraphQL endpoint");
      expect(await page.locator("body").textContent()).toContain("GraphiQL is not served here");
      expect(await page.locator('a[href="/"]').textContent()).toBe("/");
      expect(foreign).toEqual([]);
    }, 60_000);
  },
);
