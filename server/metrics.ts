import {
  createCounter,
  createHistogram,
  usePrometheus,
  type FillLabelsFnParams,
} from "@graphql-yoga/plugin-prometheus";
import { commandsInFlight } from "../readmodels/redis-nodes";
import { getOperationAST, GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Redis } from "ioredis";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CommandObserver } from "../commands/runtime";
import type { PoolStats } from "../eventstore/port";
import type { ChangeFeed } from "../readmodels/change-feed";
import type { ProjectorState, ProjectorStateStore } from "../readmodels/projector-state";

export interface MetricsOptions {
  /** prom-client's process and Node.js metrics (CPU, memory, event loop lag, GC); default on. */
  readonly processMetrics?: boolean;
}

/** Distinct operation names kept as label values; the rest count under "other" (names are the client's). */
const maxOperationNames = 200;
const statuses = ["live", "catching_up", "rebuilding", "stalled", "stopped"] as const;

/**
 * The process's metrics, in one prom-client registry served at `/metrics`: GraphQL requests per
 * operation (from the yoga Prometheus plugin), commands, projectors, the event store pool and
 * Redis, and prom-client's process metrics. The README lists every metric with its labels. A gauge
 * is exposed only where its source exists (no pool gauges for PGlite or KurrentDB, for example);
 * gauges read their source when scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly commands: Counter<"command" | "outcome">;
  private readonly commandSeconds: Histogram<"command">;
  private readonly operationNames = new Set<string>();

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.commands = new Counter({
      name: "ledgerline_commands_total",
      help: 'Commands run, by type and outcome ("ok" or the error code the mutation answers, e.g. INSUFFICIENT_FUNDS).',
      labelNames: ["command", "outcome"],
      registers,
    });
    this.commandSeconds = new Histogram({
      name: "ledgerline_command_duration_seconds",
      help: "Time from load to append (retries included) of a command, whatever its outcome.",
      labelNames: ["command"],
      registers,
    });
  }

  /** For the command runtime (`CommandRuntimeOptions.observe`). */
  readonly observeCommand: CommandObserver = (command, outcome, seconds) => {
    this.commands.inc({ command, outcome });
    // A command refused while its input was checked never loaded nor appended: no such time.
    if (seconds !== null) this.commandSeconds.observe({ command }, seconds);
  };

  /**
   * The yoga/envelop Prometheus plugin, on this registry, serving `/metrics`: per operation (name
   * and type) a request count and a duration histogram, and errors by code and phase. Put it first
   * among the plugins, so it also sees operations that authentication or a limit stops.
   */
  gatewayPlugin(): Plugin {
    const registry = this.registry;
    // The Prometheus plugin hands a failed validation to the error counter without its errors, so
    // a limit's refusal (DEPTH_LIMIT, COST_LIMIT, …) could only count as GRAPHQL_VALIDATION_FAILED.
    // Kept here per operation context, for the counter's labels.
    const validationErrors = new WeakMap<object, readonly Error[]>();
    const labels = (params: FillLabelsFnParams, context: unknown) => {
      // The plugin labels by the document's first definition, which is not the operation run when
      // the client picks another by operationName (or the document starts with a fragment).
      if (!params.document)
        return {
          operation_name: this.operationName(params.operationName),
          operation_type: params.operationType ?? "unknown",
        };
      const requested = (context as { params?: { operationName?: string | null } } | null)?.params
        ?.operationName;
      const operation = getOperationAST(params.document, requested ?? undefined);
      return {
        operation_name: this.operationName(requested || operation?.name?.value),
        operation_type: operation?.operation ?? "unknown",
      };
    };
    const prometheus = usePrometheus({
      registry,
      endpoint: "/metrics",
      metrics: {
        graphql_envelop_request: createCounter({
          registry,
          counter: {
            name: "ledgerline_graphql_requests_total",
            help: "GraphQL operations executed (a batched HTTP request counts each; a subscription when it ends).",
            labelNames: ["operation_name", "operation_type"],
          },
          fillLabelsFn: labels,
        }),
        graphql_envelop_request_duration: createHistogram({
          registry,
          histogram: {
            name: "ledgerline_graphql_request_duration_seconds",
            help: "Time executing a GraphQL query or mutation (resolvers included).",
            labelNames: ["operation_name", "operation_type"],
          },
          fillLabelsFn: labels,
          // A subscription's "duration" is how long the client stayed: not a latency.
          phases: ["execute"],
        }),
        graphql_envelop_error_result: createCounter({
          registry,
          counter: {
            name: "ledgerline_graphql_errors_total",
            help: "Errors in GraphQL responses, by the code clients see (extensions.code) and the phase that raised them.",
            labelNames: ["operation_name", "operation_type", "phase", "code"],
          },
          fillLabelsFn: (params: FillLabelsFnParams, context: unknown) => ({
            ...labels(params, context),
            phase: params.errorPhase ?? "execute",
            code:
              params.errorPhase === "validate"
                ? validationCode(validationErrors.get(context as object))
                : errorCode(params.error, params.errorPhase),
          }),
        }),
        graphql_envelop_request_time_summary: false,
        graphql_envelop_phase_parse: false,
        graphql_envelop_phase_validate: false,
        graphql_envelop_phase_context: false,
        graphql_envelop_phase_execute: false,
        graphql_envelop_phase_subscribe: false,
        graphql_envelop_deprecated_field: false,
        graphql_envelop_schema_change: false,
        graphql_envelop_execute_resolver: false,
        // Its labels include the full URL (query string and all): unbounded.
        graphql_yoga_http_duration: false,
      },
    }) as Plugin;
    return {
      // Added right after this plugin, so the validation hook below has run when it counts.
      onPluginInit({ addPlugin }) {
        addPlugin(prometheus);
      },
      onValidate({ context }) {
        return ({ result }) => {
          if (result.length > 0) validationErrors.set(context, result);
        };
      },
    };
  }

  /** The client names its operations: keep the first few hundred names, count the rest as "other". */
  private operationName(name: string | undefined): string {
    if (!name || name === "Anonymous") return "anonymous";
    const label = name.slice(0, 100);
    if (this.operationNames.has(label)) return label;
    if (this.operationNames.size >= maxOperationNames) return "other";
    this.operationNames.add(label);
    return label;
  }

  /** Every projector's reported state, read from Redis: the whole deployment's, whoever runs them. */
  projectors(states: ProjectorStateStore, names: readonly string[]): this {
    // One Redis read per scrape, shared by the gauges (each collects on its own).
    let snapshot: { at: number; states: Promise<readonly ProjectorState[] | null> } | null = null;
    const read = () => {
      if (!snapshot || Date.now() - snapshot.at > 250) {
        snapshot = { at: Date.now(), states: states.readMany(names, new Date()).catch(() => null) };
      }
      return snapshot.states;
    };
    const gauge = (name: string, help: string, value: (s: ProjectorState) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["projector"],
        registers: [this.registry],
        async collect() {
          const current = await read();
          // Redis away: no samples rather than stale ones (ledgerline_redis_connected says why).
          this.reset();
          for (const s of current ?? []) this.set({ projector: s.projector }, value(s));
        },
      });
    gauge(
      "ledgerline_projector_lag_events",
      "Events in the log that the projector takes and has not applied yet.",
      (s) => s.lagEvents,
    );
    gauge(
      "ledgerline_projector_lag_seconds",
      "Age of the oldest event not yet applied (0 when caught up).",
      (s) => s.lagMs / 1000,
    );
    gauge(
      "ledgerline_projector_events_per_second",
      "Events applied per second, as the projector last reported.",
      (s) => s.eventsPerSecond,
    );
    gauge("ledgerline_projector_parked_events", "Events set aside after failing.", (s) => s.parked);
    gauge(
      "ledgerline_projector_checkpoint_prepare",
      "Prepare part of the projector's checkpoint position (0 before its first event).",
      (s) => (s.checkpoint ? Number(s.checkpoint.split(":")[1]) : 0),
    );
    new Gauge({
      name: "ledgerline_projector_status",
      help: "1 for the projector's current status (live, catching_up, rebuilding, stalled, stopped), 0 for the others.",
      labelNames: ["projector", "status"],
      registers: [this.registry],
      async collect() {
        const current = await read();
        this.reset();
        for (const s of current ?? []) {
          for (const status of statuses)
            this.set({ projector: s.projector, status }, s.status === status ? 1 : 0);
        }
      },
    });
    return this;
  }

  /** Background jobs by state, from the queue (BullMQ's own counts, read at each scrape). */
  jobs(counts: () => Promise<Record<string, number>>): this {
    new Gauge({
      name: "ledgerline_jobs",
      help: "Background jobs in the queue by state (waiting, active, delayed, completed, failed, ...).",
      labelNames: ["state"],
      registers: [this.registry],
      async collect() {
        // Redis away: no samples rather than stale ones.
        const current = await counts().catch(() => null);
        this.reset();
        for (const [state, count] of Object.entries(current ?? {})) this.set({ state }, count);
      },
    });
    return this;
  }

  /** The event store's connection pool, when it has one (PostgreSQL). */
  eventStorePool(stats: () => PoolStats | null): this {
    if (!stats()) return this;
    const gauge = (name: string, help: string, value: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const current = stats();
          if (current) this.set(value(current));
        },
      });
    gauge(
      "ledgerline_eventstore_pool_connections",
      "Open connections to PostgreSQL, idle or busy.",
      (s) => s.total,
    );
    gauge(
      "ledgerline_eventstore_pool_idle_connections",
      "Open connections not running a query.",
      (s) => s.idle,
    );
    gauge(
      "ledgerline_eventstore_pool_waiting_requests",
      "Queries and transactions waiting for a free connection.",
      (s) => s.waiting,
    );
    gauge("ledgerline_eventstore_pool_max_connections", "The most connections the pool opens.", (s) => s.max);
    return this;
  }

  /** The live views this gateway serves: subscriptions open, and Redis channels they listen on. */
  liveViews(feed: ChangeFeed): this {
    new Gauge({
      name: "ledgerline_live_views_open",
      help: "Live views open on this gateway: subscriptions to a view's changes (SSE and WebSocket), and its own watch of view generation switches.",
      registers: [this.registry],
      collect() {
        this.set(feed.listening().listeners);
      },
    });
    new Gauge({
      name: "ledgerline_live_channels",
      help: "Redis channels this gateway is subscribed to for its live views (one per watched view).",
      registers: [this.registry],
      collect() {
        this.set(feed.listening().channels);
      },
    });
    return this;
  }

  /** This process's Redis connections, by what they serve. */
  redis(connections: Readonly<Record<string, Redis>>): this {
    new Gauge({
      name: "ledgerline_redis_connected",
      help: "1 while the Redis connection is ready, 0 while it is connecting, reconnecting or closed.",
      labelNames: ["connection"],
      registers: [this.registry],
      collect() {
        for (const [connection, redis] of Object.entries(connections))
          this.set({ connection }, redis.status === "ready" ? 1 : 0);
      },
    });
    new Gauge({
      name: "ledgerline_redis_commands_in_flight",
      help: "Commands sent on the connection and not answered yet.",
      labelNames: ["connection"],
      registers: [this.registry],
      collect() {
        for (const [connection, redis] of Object.entries(connections))
          this.set({ connection }, commandsInFlight(redis));
      },
    });
    return this;
  }
}

/**
 * The code a client sees for an error (extensions.code). Errors that the masking plugin will turn
 * into INTERNAL_SERVER_ERROR are counted as that (this plugin runs before it); a parse failure
 * carries none of its own unless a limit raised it (TOKEN_LIMIT).
 */
function errorCode(error: unknown, phase: string | undefined): string {
  if (phase === "parse" && !(error instanceof GraphQLError && error.extensions?.code))
    return "GRAPHQL_PARSE_FAILED";
  if (!(error instanceof GraphQLError)) return "INTERNAL_SERVER_ERROR";
  if (error.originalError && !(error.originalError instanceof GraphQLError)) return "INTERNAL_SERVER_ERROR";
  const code = error.extensions?.code;
  return typeof code === "string" && code.length > 0 ? code.slice(0, 64) : "UNSPECIFIED";
}

/**
 * The code a client sees for a document refused during validation: a limit's own code (DEPTH_LIMIT,
 * COST_LIMIT, …) when the first error carries one, else GRAPHQL_VALIDATION_FAILED as yoga answers.
 * One count per refused document, under the first error's code.
 */
function validationCode(errors: readonly Error[] | undefined): string {
  const first = errors?.[0];
  const code = first instanceof GraphQLError ? first.extensions?.code : undefined;
  return typeof code === "string" && code.length > 0 ? code.slice(0, 64) : "GRAPHQL_VALIDATION_FAILED";
}
