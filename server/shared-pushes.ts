import {
  createSourceEventStream,
  execute,
  getOperationAST,
  getVariableValues,
  Kind,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
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
  const key = sharingKey(args);
  const run = (payload: unknown): Promise<ExecutionResult> | ExecutionResult => {
    const perEvent = () => execute({ ...args, rootValue: payload });
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
  return mapStream(source, run);
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

/** What the result of executing one update depends on besides the update itself. */
function sharingKey(args: ExecutionArgs): string {
  const ctx = args.contextValue as GraphQLContext;
  const used = variablesBelowRoot(args.document, args.operationName ?? null);
  const variables = args.variableValues ?? {};
  const values = used.map((name) => JSON.stringify(variables[name] ?? null));
  return [
    documentId(args.document),
    args.operationName ?? "",
    ctx.userId ?? "",
    ctx.role ?? "",
    ...values,
  ].join("\n");
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
 * waits.
 */
function mapStream(
  source: AsyncIterable<unknown>,
  run: (payload: unknown) => Promise<ExecutionResult> | ExecutionResult,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const step = await iterator.next();
      if (step.done) return { value: undefined, done: true };
      return { value: await run(step.value), done: false };
    },
    async return() {
      await iterator.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      if (iterator.throw) await iterator.throw(error);
      throw error;
    },
  };
}
