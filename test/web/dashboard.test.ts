import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard } from "../../server/dashboard";
import type { Config } from "../../server/config";
import { silentLog } from "../../projectors/log";
import { startService, type RunningService } from "../../server/services";
import { apiClient, testSecret, tokenFor, type ApiClient } from "../api/support/api";
import { address, mutate, usd } from "../api/support/fixtures";
import { browserMissing, launchBrowser } from "../support/browser";
import { dropTestData, eventually, testServiceConfig } from "../support/service";
import { TcpProxy } from "../../gameday/lib/tcp-proxy";

/**
 * The dashboard in Debian's Chromium against the real service: it connects with the page's token,
 * shows every projector live, stock per product with low stock marked, revenue, the order board
 * and an account with its audit trail and balance at a past instant; a change made through the
 * API appears without a reload; an admin's Rebuild button starts a rebuild whose
 * progress bar runs to the end; it fits a phone's width; it asks nothing of any other host.
 */

describe("the dashboard builds", () => {
  it("bundles web/ into one script and one stylesheet", async () => {
    const bundle = await buildDashboard();
    expect(bundle.js.length).toBeGreaterThan(10_000);
    expect(bundle.css).toContain(".uplot");
  });
});

describe.skipIf(browserMissing)(
  `the dashboard in a browser${browserMissing ? ` (skipped: ${browserMissing})` : ""}`,
  () => {
    let t: { url: string; service: RunningService; config: Config };
    let dataOf: { schema: string; prefix: string };
    let admin: ApiClient;
    let browser: Browser;
    let page: Page;
    const foreign: string[] = [];
    /** An order of one mug for customer "dora", through the API. */
    const placeOrder = (orderId: string) =>
      mutate(admin, "placeOrder", {
        orderId,
        customerId: "dora",
        currency: "USD",
        lines: [{ productId: "dash-mug", quantity: 1 }],
        shippingAddress: address,
      });
    const pageErrors: string[] = [];

    beforeAll(async () => {
      // Started by hand (not startApiService) so the test can stop it and start it again on the
      // same port and data, as an operator restarting the gateway would.
      const { config, schema, prefix } = testServiceConfig({
        JWT_SECRET: testSecret,
        RATE_LIMIT_MUTATIONS: "0",
        REBUILD_RETIRE_AFTER_MS: "200",
      });
      dataOf = { schema, prefix };
      const service = await startService(config, silentLog);
      t = { url: service.url!, service, config: { ...config, port: Number(new URL(service.url!).port) } };
      admin = apiClient(t.url, await tokenFor(config, "admin", "ops"));
      for (const [productId, stock] of [
        ["dash-mug", 40],
        ["dash-kettle", 3],
      ] as const) {
        await mutate(admin, "addProduct", {
          productId,
          sku: productId.toUpperCase(),
          name: productId === "dash-mug" ? "Mug" : "Kettle",
          price: usd("9.00"),
          initialStock: stock,
        });
      }
      browser = await launchBrowser();
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      page.on("console", (m) => {
        // The browser logs a refused WebSocket while the gateway is down on purpose (the reconnect
        // tests): its own network log, which the page answers by reconnecting (asserted there).
        if (m.type() === "error" && !/^WebSocket connection to .* failed/.test(m.text()))
          pageErrors.push(m.text());
      });
      const origin = new URL(t.url).origin;
      page.on("request", (request) => {
        const url = request.url();
        if (!url.startsWith(origin) && !url.startsWith("data:")) foreign.push(url);
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await t?.service.stop();
      if (dataOf) await dropTestData(dataOf.schema, dataOf.prefix);
    });

    it("shows every view live, stock with low stock marked, and changes without a reload", async () => {
      const response = await page.goto(new URL("/", t.url).toString());
      expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
      // GraphiQL is served (outside production by default): the header links to it.
      expect(await page.locator('header a[href="/graphql"]').textContent()).toBe("GraphiQL");
      await page.locator("#link[data-state=live]").waitFor({ timeout: 15_000 });
      await page.locator("#operations tr[data-view]").nth(8).waitFor({ timeout: 15_000 });
      expect(await page.locator("#operations tr[data-view]").count()).toBe(10);
      await expect
        .poll(() => page.locator('#operations tr[data-view="inventory"] .status').textContent(), {
          timeout: 15_000,
        })
        .toBe("live");

      const mug = page.locator('#stock tr[data-product="dash-mug"]');
      const kettle = page.locator('#stock tr[data-product="dash-kettle"]');
      await expect.poll(() => mug.locator(".available").textContent(), { timeout: 15_000 }).toBe("40");
      expect(await kettle.getAttribute("class")).toContain("low");
      expect((await mug.getAttribute("class")) ?? "").not.toContain("low");

      // A change through the API reaches the page live: no reload, no polling.
      let navigations = 0;
      page.on("framenavigated", () => navigations++);
      await mutate(admin, "restockProduct", { productId: "dash-kettle", quantity: 10 });
      await expect.poll(() => kettle.locator(".available").textContent(), { timeout: 10_000 }).toBe("13");
      expect((await kettle.getAttribute("class")) ?? "").not.toContain("low");
      expect(navigations).toBe(0);
      // No order is paid yet: the revenue panel says so rather than showing nothing.
      expect(await page.locator("#revenue .totals").textContent()).toContain("No revenue yet");
    }, 60_000);

    it("moves an order across the board as it changes, and counts its revenue", async () => {
      await placeOrder("dash-o1");
      const cardIn = (status: string) =>
        page.locator(`#orders .column[data-status="${status}"] li[data-order="dash-o1"]`);
      await cardIn("AWAITING_PAYMENT").waitFor({ timeout: 10_000 });
      const total = await eventually(async () => {
        const answer = await admin.gql<{ order: { total: { amount: string } } | null }>(
          `{ order(id: "dash-o1") { total { amount } } }`,
        );
        expect(answer.data?.order).not.toBeNull();
        return answer.data!.order!.total.amount;
      });
      await mutate(admin, "confirmPayment", {
        orderId: "dash-o1",
        amount: usd(total),
        paymentReference: "p-1",
      });
      await cardIn("PAID").waitFor({ timeout: 10_000 });
      expect(await cardIn("AWAITING_PAYMENT").count()).toBe(0);
      await mutate(admin, "shipOrder", { orderId: "dash-o1", trackingNumber: "TRK-1" });
      await cardIn("SHIPPED").waitFor({ timeout: 10_000 });
      expect(await cardIn("PAID").count()).toBe(0);
      await expect
        .poll(() => page.locator("#revenue .totals").textContent(), { timeout: 10_000 })
        .toContain(total);
      // The order was paid today (UTC): today's line counts it.
      await expect
        .poll(() => page.locator("#revenue .today").textContent(), { timeout: 10_000 })
        .toContain("1 order(s) paid");
    }, 60_000);

    it("shows an account's balance live, its audit trail, and its balance at a past instant", async () => {
      await mutate(admin, "openAccount", { accountId: "dash-acc", ownerId: "dora", currency: "USD" });
      await mutate(admin, "deposit", { accountId: "dash-acc", amount: usd("100.00") });
      await page.locator("#account input[type=text]").fill("dash-acc");
      await page.locator("#account button[type=submit]").click();
      await expect
        .poll(() => page.locator("#account .balance").textContent(), { timeout: 10_000 })
        .toContain("100.00");
      await expect
        .poll(() => page.locator("#account .chart").getAttribute("data-points"), { timeout: 10_000 })
        .toBe("1");
      await mutate(admin, "withdraw", { accountId: "dash-acc", amount: usd("30.00") });
      await expect
        .poll(() => page.locator("#account .balance").textContent(), { timeout: 10_000 })
        .toContain("70.00");
      // The chart moved with it: a second point, at the new balance.
      await expect
        .poll(() => page.locator("#account .chart").getAttribute("data-last"), { timeout: 10_000 })
        .toBe("70.00");
      expect(await page.locator("#account .chart").getAttribute("data-points")).toBe("2");
      await expect
        .poll(() => page.locator("#account .transactions tbody tr").count(), { timeout: 10_000 })
        .toBe(2);
      expect(await page.locator("#account .transactions tbody tr").first().textContent()).toContain("ops");

      // The slider's start is the opening instant: nothing had been deposited yet.
      const slide = (value: string) =>
        page.locator("#account .slider").evaluate((input, v) => {
          (input as HTMLInputElement).value = v;
          input.dispatchEvent(new Event("input"));
        }, value);
      await slide("0");
      await expect
        .poll(() => page.locator("#account .balance-at").getAttribute("data-balance"), { timeout: 10_000 })
        .toBe("0.00");
      await slide("1000");
      await expect
        .poll(() => page.locator("#account .balance-at").getAttribute("data-balance"), { timeout: 10_000 })
        .toBe("70.00");
    }, 60_000);

    it("starts a rebuild from the operations panel and shows its progress to the end", async () => {
      await page.locator('#operations tr[data-view="inventory"] button.rebuild').click();
      const job = page.locator('#operations li[data-job^="rebuild-inventory-"]');
      await job.waitFor({ timeout: 15_000 });
      await expect.poll(() => job.getAttribute("class"), { timeout: 30_000 }).toContain("job-completed");
      // The view's projector has moved to the rebuilt generation.
      await expect
        .poll(() => page.locator('#operations tr[data-view="inventory"] .generation').textContent(), {
          timeout: 10_000,
        })
        .toBe("1");
      expect(await job.locator("progress").getAttribute("value")).toBe(
        await job.locator("progress").getAttribute("max"),
      );
      // The view still answers after the switch, and still live.
      const available = page.locator('#stock tr[data-product="dash-mug"] .available');
      const before = Number(await available.textContent());
      await mutate(admin, "restockProduct", { productId: "dash-mug", quantity: 2 });
      await expect.poll(() => available.textContent(), { timeout: 10_000 }).toBe(String(before + 2));
    }, 60_000);

    it("shows the lost connection, reconnects by itself and resumes every live view from where it was", async () => {
      const proxy = new TcpProxy("127.0.0.1", Number(new URL(t.url).port));
      await proxy.start();
      const viaProxy = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      try {
        await viaProxy.goto(`http://127.0.0.1:${proxy.port}/`);
        await viaProxy.locator("#link[data-state=live]").waitFor({ timeout: 15_000 });
        await viaProxy.locator('#orders li[data-order="dash-o1"]').waitFor({ timeout: 10_000 });

        proxy.cutOff();
        await viaProxy.locator("#link[data-state=reconnecting]").waitFor({ timeout: 10_000 });
        // Two orders while the page is cut off: a fresh subscription would show only the last one.
        for (const orderId of ["dash-o2", "dash-o3"]) {
          await placeOrder(orderId);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
        proxy.restore();

        await viaProxy
          .locator("#link[data-state=live]")
          .waitFor({ timeout: 30_000 })
          .catch(async (error: unknown) => {
            const link = await viaProxy.locator("#link").textContent();
            throw new Error(`the page did not reconnect: "${link}"; ${String(error)}`);
          });
        for (const orderId of ["dash-o2", "dash-o3"]) {
          await viaProxy
            .locator(`#orders .column[data-status="AWAITING_PAYMENT"] li[data-order="${orderId}"]`)
            .waitFor({ timeout: 20_000 });
        }
      } finally {
        await viaProxy.close();
        await proxy.stop();
      }
    }, 90_000);

    it("reconnects by itself when the gateway is stopped and started again, and catches up", async () => {
      await t.service.stop();
      await page.locator("#link[data-state=reconnecting]").waitFor({ timeout: 10_000 });
      const service = await startService(t.config, silentLog);
      t = { ...t, service };
      for (const orderId of ["dash-o4", "dash-o5"]) {
        await placeOrder(orderId);
      }
      await page.locator("#link[data-state=live]").waitFor({ timeout: 30_000 });
      for (const orderId of ["dash-o4", "dash-o5"]) {
        await page
          .locator(`#orders .column[data-status="AWAITING_PAYMENT"] li[data-order="${orderId}"]`)
          .waitFor({ timeout: 15_000 });
      }
    }, 90_000);

    it("fits a phone's width and loads nothing from another host", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(200);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
      // Each panel as a phone and a desktop show it (test-results/, not committed).
      for (const [width, name] of [
        [390, "phone"],
        [1280, "desktop"],
      ] as const) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForTimeout(300);
        for (const panel of ["orders", "operations", "revenue", "account", "stock"]) {
          await page.locator(`#${panel}`).screenshot({ path: `test-results/dashboard/${panel}-${name}.png` });
        }
      }
    });
  },
);
