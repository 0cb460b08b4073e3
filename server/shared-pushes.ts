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
import { isAsyncIterable, mapAsyncIterator, type Plugin } from "graphql-yoga";
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
  const key = sharingKey(args, operation, variables.coerced);
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
  // Mapped, not re-yielded from a generator: `return()` must reach a live view at once (one
  // waiting for its next change stops listening). A push that cannot be executed closes the
  // source; a source that fails ends the stream with its error located at the operation.
  return mapAsyncIterator(source, run, (error: unknown) => {
    throw locatedAt(error, operation);
  });
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
 * What the result of executing one update depends on besides the update itself: the operation,
 * the identity, and the variables used below the subscription field as coerced (defaults
 * applied; one left out is told from an explicit null).
 */
function sharingKey(
  args: ExecutionArgs,
  operation: OperationDefinitionNode,
  coerced: Record<string, unknown>,
): string {
  const ctx = args.contextValue as GraphQLContext;
  const values = variablesBelowRoot(args.document, operation).map((name) =>
    name in coerced ? [coerced[name]] : [],
  );
  return JSON.stringify([operationId(operation), ctx.userId ?? "", ctx.role ?? "", values]);
}

/** A number per operation node (yoga keeps parsed documents, so one query text is one node). */
const operationIds = new WeakMap<OperationDefinitionNode, number>();
let nextOperationId = 0;
function operationId(operation: OperationDefinitionNode): number {
  let id = operationIds.get(operation);
  if (id === undefined) {
    id = ++nextOperationId;
    operationIds.set(operation, id);
  }
  return id;
}

const usedVariables = new WeakMap<OperationDefinitionNode, string[]>();

/**
 * The variables the selection sets below the subscription field use (and every fragment's, to be
 * safe): what the execution of one update can depend on. The subscription field's arguments are
 * left out.
 */
function variablesBelowRoot(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const cached = usedVariables.get(operation);
  if (cached) return cached;
  const names = new Set<string>();
  const collect = (node: Parameters<typeof visit>[0]) =>
    visit(node, { Variable: (variable) => void names.add(variable.name.value) });
  for (const selection of operation.selectionSet.selections) {
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
  usedVariables.set(operation, list);
  return list;
}

function locatedAt(error: unknown, operation: OperationDefinitionNode): GraphQLError {
  // A GraphQL error is the source's answer to the client (its code included): kept as it is.
  if (error instanceof GraphQLError) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(cause.message, { nodes: operation, originalError: cause });
}
