import {
  createSourceEventStream,
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "../schema/context";

/**
 * One execution of a live push for every subscriber that would compute the same answer.
 *
 * A change to an account a thousand clients watch reaches them as one shared update object (the
 * live views hand every subscriber of a channel the same object per change). Executing the
 * subscription's selection set against it gives the same result for every subscriber with the
 * same operation, the same variables below the subscription field and the same identity (user
 * and role: what authorization decides on), so that result is computed once and shared. The
 * subscription field's own arguments (which account, `since`) only choose the source, so two
 * clients resuming from different positions still share every change after those positions.
 *
 * Results are kept per update object (weakly): once every subscriber has been sent an update,
 * nothing holds it and the results go with it.
 */
export function useSharedPushes(): Plugin<GraphQLContext> {
  return {
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      const original = subscribeFn as unknown as Subscribe;
      setSubscribeFn(((args: ExecutionArgs) => sharedSubscribe(args, original)) as never);
    },
  };
}

type Results = Map<string, Promise<ExecutionResult> | ExecutionResult>;
const resultsByUpdate = new WeakMap<object, Results>();

type Subscribe = (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;

async function sharedSubscribe(
  args: ExecutionArgs,
  original: Subscribe,
): Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  // Arguments that cannot run (no such operation, variables of the wrong type) are answered as
  // yoga answers them (a 400 with BAD_USER_INPUT), by its own subscribe.
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return original(args);
  const variables = getVariableValues(
    args.schema,
    operation.variableDefinitions ?? [],
    args.variableValues ?? {},
  );
  if (variables.errors) return original(args);
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source;
  const key = sharingKey(args, variables.coerced);
  const ctx = args.contextValue as GraphQLContext;
  const run = (payload: unknown): Promise<ExecutionResult> | ExecutionResult => {
    // Each push is executed with a memo of its own: what a field memoizes per request (freshness,
    // say) must be read again for each change, not kept from the subscription's first push, and
    // never taken from another subscriber's.
    const perEvent = () =>
      execute({ ...args, rootValue: payload, contextValue: { ...ctx, memo: new Map() } });
    if (typeof payload !== "object" || payload === null) return perEvent();
    let results = resultsByUpdate.get(payload);
    if (!results) {
      results = new Map();
      resultsByUpdate.set(payload, results);
    }
    let result = results.get(key);
    if (result === undefined) {
      const executed = perEvent();
      result = executed instanceof Promise ? executed.then(serializedOnce) : serializedOnce(executed);
      results.set(key, result);
    }
    return result;
  };
  return mapStream(source, run, operation);
}

/**
 * The result, serialized once however many subscribers it is sent to: yoga serializes a result
 * with its own `stringify` when it has one (only a result without errors is passed as it is; an
 * error-carrying one is copied first, and the copy is serialized as usual).
 */
function serializedOnce(result: ExecutionResult): ExecutionResult {
  let text: string | undefined;
  const stringify = (value: unknown) =>
    value === result ? (text ??= JSON.stringify(value)) : JSON.stringify(value);
  return Object.defineProperty(result, "stringify", { value: stringify, enumerable: false });
}

/**
 * What the result of executing one update depends on besides the update itself. Variables as
 * coerced (defaults applied; one left out is told from an explicit null).
 */
function sharingKey(args: ExecutionArgs, coerced: Record<string, unknown>): string {
  const ctx = args.contextValue as GraphQLContext;
  const used = variablesBelowRoot(args.document, args.operationName ?? null);
  const values = used.map((name) => (name in coerced ? [coerced[name]] : []));
  return JSON.stringify([
    documentId(args.document),
    args.operationName ?? "",
    ctx.userId ?? "",
    ctx.role ?? "",
    values,
  ]);
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
function documentId(document: DocumentNode): number {
  let id = documentIds.get(document);
  if (id === undefined) {
    id = ++nextDocumentId;
    documentIds.set(document, id);
  }
  return id;
}

const usedVariables = new WeakMap<DocumentNode, Map<string, string[]>>();

/**
 * The variables the selection sets below the subscription field use (and every fragment's, to be
 * safe): what the execution of one update can depend on. The subscription field's arguments are
 * left out.
 */
function variablesBelowRoot(document: DocumentNode, operationName: string | null): string[] {
  let byOperation = usedVariables.get(document);
  if (!byOperation) {
    byOperation = new Map();
    usedVariables.set(document, byOperation);
  }
  const cached = byOperation.get(operationName ?? "");
  if (cached) return cached;
  const names = new Set<string>();
  const collect = (node: Parameters<typeof visit>[0]) =>
    visit(node, { Variable: (variable) => void names.add(variable.name.value) });
  const operation = getOperationAST(document, operationName);
  for (const selection of operation?.selectionSet.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (selection.selectionSet) collect(selection.selectionSet);
      for (const directive of selection.directives ?? []) collect(directive);
    } else {
      collect(selection);
    }
  }
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) collect(definition);
  }
  const list = [...names].sort();
  byOperation.set(operationName ?? "", list);
  return list;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/**
 * `source` with each payload mapped through `run`. `return()` reaches the source at once (a live
 * view waiting for its next change stops listening), as a `for await` loop's would not while it
 * waits. A source that fails ends the stream with its error located at the operation, and a push
 * that cannot be executed closes the source, as graphql-js's own subscribe does.
 */
function mapStream(
  source: AsyncIterable<unknown>,
  run: (payload: unknown) => Promise<ExecutionResult> | ExecutionResult,
  operation: OperationDefinitionNode,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const close = () => Promise.resolve(iterator.return?.()).catch(() => undefined);
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      let step: IteratorResult<unknown>;
      try {
        step = await iterator.next();
      } catch (error) {
        throw locatedAt(error, operation);
      }
      if (step.done) return { value: undefined, done: true };
      try {
        return { value: await run(step.value), done: false };
      } catch (error) {
        await close();
        throw error;
      }
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await close();
      throw error;
    },
  };
}

function locatedAt(error: unknown, operation: OperationDefinitionNode): GraphQLError {
  // A GraphQL error is the source's answer to the client (its code included): kept as it is.
  if (error instanceof GraphQLError) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(cause.message, { nodes: operation, originalError: cause });
}
