import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Plugin } from "graphql-yoga";
import type { AuthSettings } from "./auth/settings";
import { mintToken } from "./auth/tokens";
import { contentSecurityPolicy } from "./graphiql-page";

const webDir = fileURLToPath(new URL("../web/", import.meta.url));

export interface DashboardBundle {
  readonly js: string;
  readonly css: string;
}

/**
 * Builds the dashboard (`web/`) with esbuild: one ES module and one stylesheet, every library
 * bundled in, so the page loads nothing from another host. It runs in the gateway on the first
 * request (a fraction of a second) and is kept in memory: `npm start` needs no build step, and the
 * page served is always the code checked out.
 */
export async function buildDashboard(): Promise<DashboardBundle> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [`${webDir}src/main.ts`],
    bundle: true,
    format: "esm",
    target: "es2020",
    minify: true,
    write: false,
    outdir: "out",
    logLevel: "silent",
  });
  const file = (ending: string) => result.outputFiles.find((f) => f.path.endsWith(ending))?.text ?? "";
  return { js: file(".js"), css: file(".css") };
}

interface Asset {
  readonly body: string;
  readonly type: string;
  readonly etag: string;
}

const etagOf = (body: string) => `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"`;

/** The dashboard header's link to GraphiQL, as `web/index.html` has it. */
const graphiqlLink = '<a href="/graphql">GraphiQL</a>';

function escapeAttribute(text: string): string {
  return text.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Serves the dashboard: the page at `/` (and `/dashboard`), its script and stylesheet under
 * `/dashboard/`. Outside production the page carries a development admin token (as GraphiQL's
 * tabs do); in production it asks the user for one. Its header links to GraphiQL only where
 * GraphiQL is served (GRAPHIQL).
 */
export function useDashboard(auth: AuthSettings, options: { graphiql: boolean }): Plugin {
  let assets: Promise<Record<string, Asset>> | null = null;
  const load = () =>
    (assets ??= (async (): Promise<Record<string, Asset>> => {
      const bundle = await buildDashboard();
      return {
        "/dashboard/app.js": {
          body: bundle.js,
          type: "text/javascript; charset=utf-8",
          etag: etagOf(bundle.js),
        },
        "/dashboard/app.css": { body: bundle.css, type: "text/css; charset=utf-8", etag: etagOf(bundle.css) },
      };
    })().catch((error: unknown) => {
      assets = null; // a failed build is tried again on the next request
      throw error;
    }));
  // Taken out of the page, not hidden by its script: the link is never there to follow.
  const html = readFile(`${webDir}index.html`, "utf8").then((page) =>
    options.graphiql ? page : page.replace(graphiqlLink, ""),
  );
  const ttlSeconds = 12 * 3600;
  const headers = {
    "content-security-policy": contentSecurityPolicy,
    "x-content-type-options": "nosniff",
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET" && request.method !== "HEAD") return;
      if (url.pathname === "/" || url.pathname === "/dashboard") {
        const token =
          auth.production || !auth.jwtSecret
            ? ""
            : await mintToken(auth, { sub: "dashboard", role: "admin", ttlSeconds });
        const page = (await html).replace("__TOKEN__", escapeAttribute(token));
        endResponse(
          new fetchAPI.Response(request.method === "HEAD" ? null : page, {
            headers: { ...headers, "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
          }),
        );
        return;
      }
      if (!url.pathname.startsWith("/dashboard/")) return;
      const found = (await load())[url.pathname];
      if (!found) return;
      const answer = {
        ...headers,
        "content-type": found.type,
        etag: found.etag,
        "cache-control": "no-cache",
      };
      if (request.headers.get("if-none-match") === found.etag) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers: answer }));
        return;
      }
      endResponse(new fetchAPI.Response(request.method === "HEAD" ? null : found.body, { headers: answer }));
    },
  };
}
