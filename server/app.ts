import { randomUUID } from "node:crypto";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { GraphQLError, introspectionFromSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { Log } from "../projectors/log";
import { gatewaySchema } from "../resolvers/index";
import type { GatewayServices, GraphQLContext } from "../schema/context";
import { authenticate } from "./auth/authenticate";
import { originAllowed } from "./auth/origins";
import { useAuthentication } from "./auth/plugin";
import type { AuthSettings } from "./auth/settings";
import { mintToken, tokenVerifier } from "./auth/tokens";
import { useDashboard } from "./dashboard";
import { exampleTabs } from "./graphiql";
import {
  contentSecurityPolicy,
  renderGraphiQLPage,
  useGraphiQLAssets,
  useGraphiQLOffNotice,
} from "./graphiql-page";
import { armorPlugin } from "./limits/armor";
import { useBodyLimitOutsideHttp } from "./limits/body";
import { requestIdOf, useErrorMasking } from "./limits/masking";
import { persistedOperationsPlugin, type PersistedOperations } from "./limits/persisted";
import { useMutationRateLimit, type RateLimiter } from "./limits/rate-limit";
import { useRequestShape } from "./limits/request-shape";
import type { LimitSettings } from "./limits/settings";
import type { Metrics } from "./metrics";
import { operationsPlugins, type OperationsProbe } from "./operations";
import { useSharedPushes } from "./shared-pushes";
import { useTracing } from "./tracing";

export type Gateway = YogaServerInstance<Record<string, unknown>, GraphQLContext> & {
  /** Settings the listener applies outside yoga (body size, WebSocket origins and operations). */
  readonly security: GatewaySecurity;
};

export interface GatewaySecurity {
  readonly auth: AuthSettings;
  readonly limits: LimitSettings;
  readonly persistedOperations: PersistedOperations | null;
}

export interface GatewayOptions {
  services: GatewayServices;
  graphiql: boolean;
  auth: AuthSettings;
  limits: LimitSettings;
  log: Log;
  /** Null: no mutation rate limit (RATE_LIMIT_MUTATIONS=0). */
  rateLimiter: RateLimiter | null;
  /** Set: only these operations run (PERSISTED_OPERATIONS_FILE). */
  persistedOperations?: PersistedOperations | null;
  operations?: OperationsProbe;
  /** Served at /metrics, with the GraphQL request metrics added to it. */
  metrics?: Metrics;
}

/**
 * The GraphQL app, apart from any listener: tests call `gateway.fetch`, `server/http.ts` serves it.
 * What protects it (README, "API security"): JWT authentication and schema-declared authorization;
 * depth/cost/alias/directive/token limits, batch size, CSRF prevention, a per-user mutation rate
 * limit and optional persisted operations; unexpected errors masked with the request id.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { auth, limits, log } = options;
  if (auth.usingDevSecret) {
    log.warn(
      { secret: "development" },
      "!!! JWT_SECRET is not set: tokens are signed with the PUBLIC DEVELOPMENT SECRET. Anyone can mint an admin token. " +
        "Never expose this gateway; set JWT_SECRET or JWT_JWKS_URL (NODE_ENV=production refuses to start without one).",
    );
  }
  const verify = tokenVerifier(auth);
  const persisted = options.persistedOperations ?? null;
  const graphqlEndpoint = "/graphql";
  const plugins: Plugin<GraphQLContext>[] = [
    // First: they see every operation, also those that authentication or a limit stops.
    ...(options.metrics ? [options.metrics.gatewayPlugin() as Plugin<GraphQLContext>] : []),
    useTracing(),
    // GraphiQL's own files are static: answered before any GraphQL request handling. Where it is
    // off, a browser opening the endpoint is told so.
    (options.graphiql
      ? useGraphiQLAssets()
      : useGraphiQLOffNotice(graphqlEndpoint)) as Plugin<GraphQLContext>,
    // The dashboard (web/): its page and bundle, served from this origin.
    useDashboard(auth, { graphiql: options.graphiql }) as Plugin<GraphQLContext>,
    useBodyLimitOutsideHttp(limits.maxBodyBytes) as Plugin<GraphQLContext>,
    useRequestShape() as Plugin<GraphQLContext>,
    ...(persisted ? [persistedOperationsPlugin(persisted) as Plugin<GraphQLContext>] : []),
    // Browsers may send urlencoded / multipart / text posts and GETs cross-site without a preflight:
    // those must carry a header a plain form or link cannot set (JSON posts are preflighted anyway).
    csrfPrevention(["x-graphql-csrf", "x-graphql-yoga-csrf"]) as Plugin<GraphQLContext>,
    armorPlugin(limits, !auth.introspection) as Plugin<GraphQLContext>,
    useAuthentication({ introspection: auth.introspection, log }),
    useMutationRateLimit(options.rateLimiter, log),
    useErrorMasking(log),
    useSharedPushes(),
    {
      onResponse({ request, response }) {
        response.headers.set("x-request-id", requestIdOf(request));
        // Every page this gateway serves (GraphiQL) loads from its own origin only.
        if (response.headers.get("content-type")?.startsWith("text/html")) {
          response.headers.set("content-security-policy", contentSecurityPolicy);
          response.headers.set("x-content-type-options", "nosniff");
        }
      },
    },
    ...((options.operations ? operationsPlugins(options.operations) : []) as Plugin<GraphQLContext>[]),
  ];
  const schema = gatewaySchema();
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint,
    landingPage: false,
    healthCheckEndpoint: "/health",
    batching: { limit: limits.maxBatch },
    // http.ts refuses larger bodies before reading them; useBodyLimitOutsideHttp holds the same
    // limit for direct `fetch` callers, without yoga counting an already-read body again.
    maxRequestBodySize: false,
    plugins,
    cors: (request) => {
      const origin = request.headers.get("origin") ?? undefined;
      const allowed = origin && originAllowed(origin, request.headers.get("host") ?? undefined, auth);
      return allowed ? { origin, credentials: false, exposedHeaders: ["x-request-id"] } : false;
    },
    graphiql: options.graphiql ? graphiqlOptions(auth, schema) : false,
    renderGraphiQL: renderGraphiQLPage,
    context: async ({ request }) => ({
      services: options.services,
      requestId: requestIdOf(request),
      memo: new Map(),
      ...(await authenticate(request.headers.get("authorization"), verify)),
    }),
    maskedErrors: {
      // A backstop for failures outside an operation's execution (the masking plugin handles those
      // inside it, with the request id): still no cause for the client, the cause in the log.
      maskError(error, message) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
        const errorId = randomUUID();
        log.error({ err: original, errorId }, "unexpected error while handling a request");
        return createGraphQLError(message, { extensions: { code: "INTERNAL_SERVER_ERROR", errorId } });
      },
    },
  });
  return Object.assign(yoga, { security: { auth, limits, persistedOperations: persisted } });
}

/**
 * GraphiQL with example operations for every part of the API, one tab per part. In development
 * each tab opens signed in as the role its operations need (tokens minted on first use with the
 * development secret or JWT_SECRET); in production there is no token (and no GraphiQL unless
 * GRAPHIQL=true).
 *
 * Where introspection is allowed, the page carries the schema (an introspection result, GraphiQL's
 * `schema` property), so GraphiQL does not send its own introspection query, which the depth and
 * cost limits refuse like any other operation that deep. Where it is not, the page has no schema.
 */
function graphiqlOptions(auth: AuthSettings, schema: GraphQLSchema) {
  let introspection: IntrospectionQuery | null = null;
  const schemaForPage = () =>
    (introspection ??= introspectionFromSchema(schema, {
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    }));
  const ttlSeconds = 12 * 3600;
  let tabs: Promise<{ query: string; variables?: string; headers?: string }[]> | null = null;
  let signedAt = 0;
  const signed = async () =>
    Promise.all(
      exampleTabs.map(async (tab) => {
        const token = await mintToken(auth, { sub: tab.sub, role: tab.role, ttlSeconds });
        return {
          query: tab.query,
          ...(tab.variables && { variables: JSON.stringify(tab.variables, null, 2) }),
          headers: JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2),
        };
      }),
    );
  return async () => {
    const base = {
      title: "Ledgerline",
      subscriptionsProtocol: "WS" as const,
      ...(auth.introspection && { schema: schemaForPage() }),
    };
    if (auth.production || !auth.jwtSecret) {
      return { ...base, defaultTabs: exampleTabs.map((tab) => ({ query: tab.query })) };
    }
    // Re-signed at half their lifetime, so a page loaded from a long-running dev server still works.
    if (!tabs || Date.now() - signedAt > (ttlSeconds * 1000) / 2) {
      signedAt = Date.now();
      tabs = signed();
    }
    const defaultTabs = await tabs;
    // The admin tab's token is also the editor's starting header and the one new tabs get.
    const admin = defaultTabs[exampleTabs.findIndex((tab) => tab.role === "admin")]!.headers;
    return {
      ...base,
      defaultTabs,
      headers: admin,
      defaultHeaders: admin,
    };
  };
}

/**
 * yoga's CSRF prevention, its refusal given a code and the header to send: the plugin's own error
 * has neither, and every other refusal says what to do.
 */
function csrfPrevention(requestHeaders: readonly string[]): Plugin {
  const prevention = useCSRFPrevention({ requestHeaders: [...requestHeaders] });
  return {
    onRequestParse(payload) {
      try {
        return prevention.onRequestParse?.(payload);
      } catch {
        throw createGraphQLError(
          `A GET, form or text/plain request must carry the header ${requestHeaders[0]} (any value); ` +
            `a JSON POST needs none`,
          { extensions: { code: "CSRF_HEADER_REQUIRED", http: { status: 403 } } },
        );
      }
    },
  };
}
