import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserMissing, launchBrowser } from "../support/browser";
import { startTestService, type TestService } from "../support/service";

/**
 * GraphiQL as a newcomer meets it, in a real browser, with every host but the gateway unreachable:
 * it is served from the installed packages, opens on the project's examples, and runs them.
 */
const tabs = ["MyAccounts", "Catalog", "AddProduct", "Revenue", "WatchAccount", "Projections"];

let t: TestService;
let browser: Browser;

describe.skipIf(browserMissing !== null)(
  `GraphiQL in Chromium${browserMissing ? ` (skipped: ${browserMissing})` : ""}`,
  () => {
    beforeAll(async () => {
      t = await startTestService();
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await t?.stop();
    });

    it("loads with no other host reachable, opens on the project's examples, and its first tab runs", async () => {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(String(error)));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      // The machine has no internet: any request to another host fails, and is noted.
      await page.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.host === new URL(t.url).host || url.protocol === "data:" || url.protocol === "blob:") {
          return route.continue();
        }
        elsewhere.push(url.href);
        return route.abort();
      });
      const response = await page.goto(t.url);
      expect(response?.status()).toBe(200);
      const policy = response?.headers()["content-security-policy"] ?? "";
      expect(policy).toContain("default-src 'self'");
      expect(policy).toContain("script-src 'self'");
      expect(policy).not.toMatch(/https?:|\*/);

      // The project's example tabs, named by their first operation, as the README lists them.
      const titles = page.locator(".graphiql-tab-button");
      await titles.first().waitFor({ timeout: 20_000 });
      expect(await titles.allTextContents()).toEqual(tabs);
      const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
      for (const tab of tabs) expect(readme).toContain(`\`${tab}\``);
      // The editor's text (monaco renders spaces as no-break spaces).
      const editor = async () =>
        ((await page.locator(".graphiql-query-editor .view-lines").first().textContent()) ?? "").replace(
          /\u00a0/g,
          " ",
        );
      await expect.poll(editor).toContain("query MyAccounts");

      // ▶ runs the first operation of the first tab against the gateway.
      await page.locator(".graphiql-execute-button").click();
      const menu = page.getByRole("menuitem", { name: "MyAccounts" });
      if (await menu.isVisible().catch(() => false)) await menu.click();
      await expect
        .poll(() => page.locator(".graphiql-response").innerText(), { timeout: 15_000 })
        .toContain("accountsByOwner");
      const answer = await page.locator(".graphiql-response").innerText();
      expect(answer).not.toContain("Syntax Error");
      expect(answer).not.toContain('"errors"');

      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
      await page.screenshot({ path: "test-results/graphiql.png" });
      await page.close();
    });
  },
);
