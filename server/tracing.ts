import { createRequire } from "node:module";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TracerProvider,
} from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Log } from "../projectors/log";
import type { GraphQLContext } from "../schema/context";

export interface TracingSettings {
  /** Where spans are posted (OTLP/HTTP): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or
   * OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces; null: tracing is off. */
  readonly otlpTracesUrl: string | null;
  /** OTEL_SERVICE_NAME (default "ledgerline"). */
  readonly serviceName: string;
}

export interface Tracing {
  /** False when no SDK was started: only the OpenTelemetry API's no-ops run. */
  readonly enabled: boolean;
  /** Sends the spans still buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions extends TracingSettings {
  /** This process (`service.instance.id`). */
  readonly instanceId: string;
  /** The event store is KurrentDB: turn on its client's own instrumentation (@kurrent/opentelemetry). */
  readonly kurrentDb?: boolean;
  /** Instead of the OTLP exporter (tests: an in-memory exporter). */
  readonly spanProcessors?: SpanProcessor[];
  readonly log?: Log;
}

const off: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * Starts the OpenTelemetry SDK when there is somewhere to send spans (an OTLP endpoint, or span
 * processors a test hands in); otherwise loads nothing and the code's spans stay the API's no-ops.
 * On: a Node tracer provider (async-hooks context, W3C trace context and baggage propagation,
 * parent-based sampling; the standard OTEL_* variables apply) exporting over OTLP/HTTP (protobuf)
 * in batches, and, where the KurrentDB adapter runs, the KurrentDB client's own instrumentation.
 */
export async function startTracing(options: StartTracingOptions): Promise<Tracing> {
  if (!options.otlpTracesUrl && !options.spanProcessors) return off;
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
  ]);
  let spanProcessors = options.spanProcessors;
  if (!spanProcessors) {
    // Headers, timeout and compression come from the OTEL_EXPORTER_OTLP_* variables.
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
    spanProcessors = [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpTracesUrl! }))];
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": options.serviceName,
      "service.instance.id": options.instanceId,
    }),
    spanProcessors,
  });
  provider.register();
  if (options.kurrentDb) await instrumentKurrentDb(provider);
  options.log?.info({ otlpTracesUrl: options.otlpTracesUrl, service: options.serviceName }, "tracing on");
  return {
    enabled: true,
    async shutdown() {
      await provider.shutdown().catch((error: unknown) => {
        options.log?.warn({ err: error }, "could not send the last spans");
      });
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/**
 * The KurrentDB client's own spans (appends, and the persistent subscription's deliveries, each a
 * child of the append that wrote the event). The instrumentation patches `KurrentDBClient.prototype`
 * when the client is `require`d through its hook; the adapter imports the client as an ES module,
 * so require it here once: both share the one CommonJS module, so the adapter's client is patched.
 */
async function instrumentKurrentDb(provider: TracerProvider): Promise<void> {
  const { KurrentDBInstrumentation } = await import("@kurrent/opentelemetry");
  const instrumentation = new KurrentDBInstrumentation();
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
  createRequire(import.meta.url)("@kurrent/kurrentdb-client");
}

const tracer = trace.getTracer("ledgerline.gateway");

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

interface OperationInfo {
  readonly name: string | null;
  readonly type: string;
}

/**
 * A server span per GraphQL operation (HTTP and WebSocket alike), continuing the caller's trace when
 * the request carries a `traceparent`, and active while the operation executes: the command a
 * mutation runs, its append and (through the events' metadata) the projectors and the live push
 * that follow all join it. A no-op span when tracing is off.
 */
export function useTracing(): Plugin<GraphQLContext> {
  const operations = new WeakMap<object, OperationInfo>();
  const spans = new WeakMap<object, Span>();

  const traced = (ctx: object, wrapped: () => unknown) => {
    const operation = operations.get(ctx);
    const request = (ctx as { request?: Request }).request;
    const parent: Context = request
      ? propagation.extract(ROOT_CONTEXT, request.headers, headerGetter)
      : ROOT_CONTEXT;
    const type = operation?.type ?? "operation";
    const span = tracer.startSpan(
      operation?.name ? `${type} ${operation.name}` : type,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "graphql.operation.type": type,
          ...(operation?.name && { "graphql.operation.name": operation.name }),
        },
      },
      parent,
    );
    spans.set(ctx, span);
    const end = () => span.end();
    return context.with(trace.setSpan(parent, span), () => {
      let done: unknown;
      try {
        done = wrapped();
      } catch (error) {
        end();
        throw error;
      }
      if (done instanceof Promise) return done.finally(end);
      end();
      return done;
    });
  };

  const recordErrors = (ctx: object, result: ExecutionResult) => {
    const span = spans.get(ctx);
    if (!span || !result.errors?.length) return;
    const codes = result.errors.map((error) =>
      error instanceof GraphQLError && typeof error.extensions?.code === "string"
        ? error.extensions.code
        : "INTERNAL_SERVER_ERROR",
    );
    span.setAttribute("graphql.error.codes", [...new Set(codes)]);
    span.setStatus({ code: SpanStatusCode.ERROR, message: codes[0] });
  };

  return {
    onParse() {
      return ({ result, context: ctx }) => {
        if (!result || result instanceof Error) return;
        const params = (ctx as { params?: { operationName?: string | null } }).params;
        const operation = getOperationAST(result as DocumentNode, params?.operationName ?? undefined);
        operations.set(ctx, {
          name: operation?.name?.value ?? null,
          type: operation?.operation ?? "operation",
        });
      };
    },
    instrumentation: {
      execute: ({ context: ctx }, wrapped) => traced(ctx, wrapped) as Promise<void> | void,
      subscribe: ({ context: ctx }, wrapped) => traced(ctx, wrapped) as Promise<void> | void,
    },
    onExecute({ args }) {
      return {
        onExecuteDone({ result }) {
          if (!(Symbol.asyncIterator in result)) recordErrors(args.contextValue, result);
        },
      };
    },
  };
}
