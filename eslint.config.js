// Lint rules: typescript-eslint's recommended set, plus the layering (eslint-plugin-boundaries) and
// domain/'s purity, both described below.
import js from "@eslint/js";
import boundaries from "eslint-plugin-boundaries";
import tseslint from "typescript-eslint";

/*
 * The layering. Every .ts file belongs to the layer its top-level folder names. An import that leaves
 * its layer (value or type, static or dynamic, or a re-export) must be allowed below, and so must
 * every package and node: built-in a layer uses; anything else is an error (boundaries/dependencies).
 * Dependencies point inwards: the business rules know nothing of storage, Redis or GraphQL, and only
 * the wiring (server/) knows which event store adapter runs.
 *
 *   layer                      may import                                       why
 *   domain/                    domain/, TypeBox (@sinclair/typebox)             pure business rules: no I/O, no node:, no other library.
 *                                                                                 TypeBox is the one exception: an event's schema (its
 *                                                                                 published contract) is plain JSON Schema data its type is
 *                                                                                 derived from, and its checker is a pure function; both
 *                                                                                 belong with the events (domain/shared/contracts.ts)
 *   eventstore/ (the port:     itself, node:                                    what every layer may know of the store: interfaces,
 *     port.ts, position.ts,                                                       positions, errors; it never knows an adapter
 *     errors, identity.ts)
 *   eventstore/open.ts         the port, the adapters                           the one factory that picks an adapter from a URL
 *   eventstore/postgres/,      the port, their own driver (pg, PGlite,          adapters implement the port
 *     eventstore/kurrentdb/      KurrentDB client), node:
 *   commands/                  domain/, the port, node:,                        decide and append through the port; no adapter,
 *                                @opentelemetry/api                               no view, no Redis, no GraphQL
 *   readmodels/                domain/, the port, ioredis, node:                the Redis views; no GraphQL, no commands
 *     (and readmodels/<view>/, one folder per view: same rules, captured as `view`)
 *   projectors/                domain/, the port, readmodels/, ioredis, node:,  events → views; no GraphQL, no commands
 *                                @opentelemetry/api
 *   schema/                    domain/, the port, commands/ (errors; types),    the GraphQL types; the readers and the runtime
 *                                readmodels/ (types), graphql, @pothos/*, node:   come in through the context
 *   resolvers/                 schema/, domain/, commands/, the port,           read through the context's readers, write through
 *                                readmodels/ (types; a view module's entry,       the command runtime; no adapter, no Redis. A
 *                                readmodels/<view>/index.ts, as a value),         field names the view it reads by its module
 *                                graphql, @pothos/*, node:, @opentelemetry/api    (`reads(accountsView)`, `viewMeta`)
 *   jobs/                      domain/, commands/, readmodels/, projectors/,    long work on BullMQ in worker processes (snapshots,
 *                                the port, bullmq, ioredis, node:                 rebuilds); no GraphQL, no adapter
 *   server/                    anything                                         wiring and command-line entry points (server/cli/)
 *   test/, bench/, gameday/    anything                                         they build whole systems
 *   web/                       web/, graphql-ws, uplot                          the dashboard runs in a browser: it knows the
 *                                                                               server only through the public GraphQL API
 *
 * @opentelemetry/api (the API, never the SDK, which only server/ starts): the spans of a command, an
 * applied event and a live push; no-ops until tracing is on (README, Tracing).
 *
 * "the port" is eventstore/ without open.ts and without the adapters. "(types)": `import type` only
 * (`import { type X }` still loads the module, so it counts as a value import). A new top-level
 * folder needs its row here and in `layers` before its first
 * file lints: boundaries/no-unknown-files refuses code in no layer.
 */
const layers = [
  // Adapters first: the first pattern a file matches names its layer.
  { type: "eventstore-adapter", pattern: "eventstore/(postgres|kurrentdb)", capture: ["adapter"] },
  { type: "eventstore", pattern: "eventstore" },
  { type: "domain", pattern: "domain" },
  { type: "commands", pattern: "commands" },
  // A view module (readmodels/accounts/: projection, codec, reader, live source) is a readmodels
  // element of its own, so imports between views and the shared readmodels/ files are checked too.
  { type: "readmodels", pattern: "readmodels/*", capture: ["view"] },
  { type: "readmodels", pattern: "readmodels" },
  { type: "projectors", pattern: "projectors" },
  { type: "schema", pattern: "schema" },
  { type: "resolvers", pattern: "resolvers" },
  { type: "jobs", pattern: "jobs" },
  { type: "server", pattern: "server" },
  { type: "test", pattern: "test" },
  { type: "bench", pattern: "bench" },
  { type: "gameday", pattern: "gameday" },
  { type: "web", pattern: "web" },
].map((layer) => ({ ...layer, partialMatch: false }));

const layer = (...types) => ({ element: { type: types } });
/** The port: eventstore/'s own files but the adapter factory. */
const port = { element: { type: "eventstore" }, file: { categories: "port" } };
const nodeBuiltins = { module: { origin: "core" } };
const packages = (...sources) => ({ module: { origin: "external", source: sources } });
const graphql = packages("graphql", "@pothos/*");
// The OpenTelemetry API only (no SDK): spans of a command, an applied event and a live push, which
// cost nothing until server/ starts an SDK; the trace rides in each event's metadata.
const tracingApi = packages("@opentelemetry/api");
const anything = { module: { origin: ["local", "external", "core"] } };
/** Each target, as an allow (or disallow) entry. */
const to = (...targets) => targets.map((target) => ({ to: target }));
const typesOf = (...types) => ({ to: layer(...types), dependency: { kind: "type" } });

const policies = [
  { from: layer("domain"), allow: to(layer("domain"), packages("@sinclair/typebox", "@sinclair/typebox/*")) },
  { from: layer("eventstore"), allow: to(port, nodeBuiltins) },
  { from: { file: { categories: "adapter-factory" } }, allow: to(layer("eventstore-adapter")) },
  {
    from: layer("eventstore-adapter"),
    allow: to(port, nodeBuiltins, packages("pg", "@electric-sql/pglite", "@kurrent/kurrentdb-client")),
  },
  { from: layer("commands"), allow: to(layer("domain"), port, nodeBuiltins, tracingApi) },
  {
    from: layer("readmodels"),
    allow: to(layer("domain", "readmodels"), port, packages("ioredis"), nodeBuiltins),
  },
  {
    from: layer("projectors"),
    allow: to(layer("domain", "readmodels"), port, packages("ioredis"), nodeBuiltins, tracingApi),
  },
  {
    from: layer("jobs"),
    allow: to(
      layer("domain", "commands", "readmodels", "projectors", "jobs"),
      port,
      packages("bullmq", "ioredis"),
      nodeBuiltins,
    ),
  },
  {
    from: layer("schema"),
    allow: [
      ...to(layer("domain"), port, graphql, nodeBuiltins, { file: { categories: "command-errors" } }),
      typesOf("commands", "readmodels", "jobs"),
    ],
  },
  {
    from: layer("resolvers"),
    allow: [
      ...to(layer("schema", "domain", "commands"), port, graphql, nodeBuiltins, tracingApi, {
        file: { categories: "view-module" },
      }),
      typesOf("readmodels", "jobs"),
    ],
  },
  {
    from: layer("web"),
    allow: to(layer("web"), packages("graphql-ws", "uplot")),
  },
  {
    from: [layer("server", "test", "bench", "gameday"), { file: { categories: "tooling" } }],
    allow: to(anything),
  },
];

export default tseslint.config(
  { ignores: ["node_modules", "data", "bench/results", "coverage"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["**/*.ts"],
    plugins: { boundaries },
    settings: {
      "boundaries/root-path": import.meta.dirname,
      "boundaries/elements": layers,
      "boundaries/files": [
        { category: "port", pattern: "eventstore/!(open).ts" },
        { category: "adapter-factory", pattern: "eventstore/open.ts" },
        { category: "command-errors", pattern: "commands/errors.ts" },
        // A view module's entry: its name, projector and reader factory (no Redis connection in it).
        { category: "view-module", pattern: "readmodels/*/index.ts" },
        // Configuration files at the top (vitest.config.ts): in no layer, free to import.
        { category: "tooling", pattern: "*.ts" },
      ],
      // Imports are extensionless relative paths to .ts files.
      "import/resolver": { node: { extensions: [".ts", ".js"] } },
    },
    rules: {
      "boundaries/dependencies": [
        "error",
        {
          default: "disallow",
          // Packages and node: built-ins are checked too, and so are imports of files in no layer.
          checkAllOrigins: true,
          checkUnknownLocals: true,
          policies,
          message:
            '{{from.type}} may not import "{{dependency.source}}" ({{dependency.kind}}): eslint.config.js lists what each layer may import.',
        },
      ],
      // Code in no layer (a new top-level folder) is an error until the layering names it.
      "boundaries/no-unknown-files": "error",
    },
  },
  {
    files: ["domain/**/*.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "Date", message: "domain/ takes time from the command, never from the clock." },
        { name: "Math", message: "domain/ takes ids from the command, never from random." },
      ],
    },
  },
);
