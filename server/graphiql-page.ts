import { createHash } from "node:crypto";
import { shouldRenderGraphiQL, type GraphiQLOptions, type Plugin } from "graphql-yoga";

/**
 * GraphiQL served from the installed package, never from a CDN: the page works on a machine with
 * no internet, and every byte of it comes from this origin. The package ships GraphiQL as strings
 * (script, styles, editor workers); they are served as files of their own under /graphiql/, so the
 * page needs no inline script and the Content-Security-Policy can allow this origin only.
 */
const boot = `// Starts GraphiQL with the options the page carries as JSON (no inline script).
self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: function (_moduleId, label) {
    return "/graphiql/" + (label === "json" || label === "graphql" ? label : "editor") + ".worker.js";
  },
};
var options = JSON.parse(document.getElementById("graphiql-options").textContent);
YogaGraphiQL.renderYogaGraphiQL(document.getElementById("root"), options);
`;

interface Asset {
  readonly type: string;
  readonly body: string;
  readonly etag: string;
}

const asset = (type: string, body: string): Asset => ({
  type,
  body,
  etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
});

interface GraphiQLFiles {
  readonly assets: Readonly<Record<string, Asset>>;
  readonly favicon: string;
}

let files: Promise<GraphiQLFiles> | null = null;

/**
 * GraphiQL's files, loaded (about 10 MB of script to parse, then hashed) when a page or a file is
 * first asked for, not when a process starts: projector and worker processes, and gateways nobody
 * opens GraphiQL on, never pay for them.
 */
function graphiqlFiles(): Promise<GraphiQLFiles> {
  files ??= import("@graphql-yoga/render-graphiql/graphiql").then((g) => ({
    favicon: g.favicon,
    assets: {
      "/graphiql/app.js": asset("text/javascript; charset=utf-8", g.js),
      "/graphiql/app.css": asset("text/css; charset=utf-8", g.css),
      "/graphiql/boot.js": asset("text/javascript; charset=utf-8", boot),
      "/graphiql/editor.worker.js": asset("text/javascript; charset=utf-8", g.editorWorkerService),
      "/graphiql/json.worker.js": asset("text/javascript; charset=utf-8", g.jsonWorker),
      "/graphiql/graphql.worker.js": asset("text/javascript; charset=utf-8", g.graphqlWorker),
    },
  }));
  return files;
}

/**
 * What every page of the gateway may load: its own origin only. Styles may also be set inline
 * (the editor writes style attributes as it lays out); images may be data: URLs (the favicon).
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The page: the options as JSON data (`<` escaped so no text can close the element), the files. */
export async function renderGraphiQLPage(options: GraphiQLOptions): Promise<string> {
  const { favicon } = await graphiqlFiles();
  const json = JSON.stringify(options).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(options.title ?? "GraphiQL")}</title>
    <link rel="icon" href="${escapeHtml(options.favicon ?? favicon)}" />
    <link rel="stylesheet" href="/graphiql/app.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${json}</script>
    <script src="/graphiql/app.js"></script>
    <script src="/graphiql/boot.js"></script>
  </body>
</html>
`;
}

/** Serves GraphiQL's files (GET /graphiql/…), cacheable, revalidated by their hash. */
export function useGraphiQLAssets(): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET" && request.method !== "HEAD") return;
      if (!url.pathname.startsWith("/graphiql/")) return;
      const found = (await graphiqlFiles()).assets[url.pathname];
      if (!found) return;
      const headers = {
        "content-type": found.type,
        etag: found.etag,
        "cache-control": "public, max-age=3600, must-revalidate",
        "content-security-policy": contentSecurityPolicy,
        "x-content-type-options": "nosniff",
      };
      if (request.headers.get("if-none-match") === found.etag) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      endResponse(new fetchAPI.Response(request.method === "HEAD" ? null : found.body, { headers }));
    },
  };
}

/** What a browser opening the endpoint reads where GraphiQL is off (yoga would answer 406, empty). */
const graphiqlOffPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Ledgerline GraphQL endpoint</title>
    <link rel="icon" href="data:," />
  </head>
  <body>
    <h1>Ledgerline GraphQL endpoint</h1>
    <p>GraphiQL is not served here (GRAPHIQL=true turns it on; NODE_ENV=production turns it off).</p>
    <p>Send operations as JSON: <code>POST</code> with <code>Content-Type: application/json</code>
      and a body such as <code>{"query": "{ __typename }"}</code>; live views over WebSocket (graphql-ws)
      or server-sent events.</p>
    <p>The dashboard is at <a href="/">/</a>.</p>
  </body>
</html>
`;

/**
 * Where GraphiQL is off: a browser's GET of the endpoint (what would have opened GraphiQL: it
 * accepts text/html, and has no parameters) gets a short page saying so, not yoga's empty 406
 * (or a CSRF refusal, for a browser's Accept). Every other request is yoga's, as before.
 */
export function useGraphiQLOffNotice(graphqlEndpoint: string): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (!shouldRenderGraphiQL(request)) return;
      if (url.pathname !== graphqlEndpoint && url.pathname !== `${graphqlEndpoint}/`) return;
      // Parameters (a query, a persisted operation's hash) make it a GraphQL request: yoga's.
      if (url.search !== "") return;
      endResponse(
        new fetchAPI.Response(graphiqlOffPage, {
          headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
        }),
      );
    },
  };
}
