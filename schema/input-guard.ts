import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from "@pothos/core";
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isAbstractType,
  isInputObjectType,
  isListType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLResolveInfo,
} from "graphql";
import { ValidationError } from "../domain/shared/errors";
import { idProblem, textProblem } from "../domain/shared/ids";

/** Where in the arguments a value is refused, and why. */
interface Refusal {
  readonly field: string;
  readonly message: string;
}

type Check = (value: unknown, path: string) => Refusal | null;

/**
 * The edge check of every argument a client sends, in one place for the whole schema: every `ID`
 * (wherever it sits: an argument, a field of an input object, an element of a list) must follow
 * the id rule, and every `String` must be text a store accepts (no NUL or other control bytes, no
 * unpaired surrogates). It runs after the authorization check and before the field's resolver, so
 * nothing downstream (the command runtime, the event store, the Redis readers) ever sees a refused
 * value. Fields added later are covered without touching this file: the checks come from the
 * schema's own argument types.
 *
 * A refused value of a field whose result can be a `ValidationError` (the mutations) is answered
 * with one, naming the field as the input spells it ("lines[1].productId"); elsewhere (queries,
 * subscriptions) it is a GraphQL error with code BAD_USER_INPUT and `extensions.field`.
 */
export class InputGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types["Context"], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types["Context"], object> {
    if (Object.keys(fieldConfig.args).length === 0) return resolver;
    let guard: FieldGuard | undefined;
    return (source, args, context, info) => {
      guard ??= fieldGuard(info);
      guard.check(args as Record<string, unknown>);
      return resolver(source, args, context, info);
    };
  }

  override wrapSubscribe(
    subscribe: GraphQLFieldResolver<unknown, Types["Context"], object> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types["Context"], object> | undefined {
    if (!subscribe || Object.keys(fieldConfig.args).length === 0) return subscribe;
    let guard: FieldGuard | undefined;
    return (source, args, context, info) => {
      guard ??= fieldGuard(info);
      guard.check(args as Record<string, unknown>);
      return subscribe(source, args, context, info);
    };
  }
}

const pluginName = "inputGuard";
SchemaBuilder.registerPlugin(pluginName, InputGuardPlugin);
export default pluginName;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      inputGuard: InputGuardPlugin<Types>;
    }
  }
}

interface FieldGuard {
  /** Throws the refusal of the first argument value that breaks a rule. */
  check(args: Record<string, unknown>): void;
}

/** Built once per field, from the argument types the executing schema gives it. */
function fieldGuard(info: GraphQLResolveInfo): FieldGuard {
  const field = info.parentType.getFields()[info.fieldName]!;
  const checks = field.args
    .map((arg) => [arg, checkFor(arg.type)] as const)
    .filter((entry): entry is readonly [GraphQLArgument, Check] => entry[1] !== null);
  const validationError = info.schema.getType("ValidationError");
  const result = getNullableType(field.type);
  const answersValidationError =
    validationError !== undefined &&
    isObjectType(validationError) &&
    isAbstractType(result) &&
    info.schema.isSubType(result, validationError);
  return {
    check(args) {
      for (const [arg, check] of checks) {
        const value = args[arg.name];
        if (value === undefined || value === null) continue;
        // Mutations take one `input`: name its fields as the client wrote them inside it.
        const refusal = check(value, arg.name === "input" ? "" : arg.name);
        if (refusal === null) continue;
        if (answersValidationError) throw new ValidationError(refusal.field, refusal.message);
        throw new GraphQLError(`${refusal.field}: ${refusal.message}`, {
          extensions: { code: "BAD_USER_INPUT", field: refusal.field },
        });
      }
    },
  };
}

const join = (path: string, name: string) => (path === "" ? name : `${path}.${name}`);

/** The check for values of `type`, or null when nothing in it needs one. */
function checkFor(type: GraphQLInputType, seen = new Map<string, Check | null>()): Check | null {
  const inner = getNullableType(type);
  if (isListType(inner)) {
    const element = checkFor(inner.ofType as GraphQLInputType, seen);
    if (element === null) return null;
    return (value, path) => {
      if (!Array.isArray(value)) return element(value, path);
      for (const [i, item] of value.entries()) {
        if (item === null || item === undefined) continue;
        const refusal = element(item, `${path}[${i}]`);
        if (refusal) return refusal;
      }
      return null;
    };
  }
  if (isScalarType(inner)) {
    if (inner.name === "ID") {
      return (value, path) => {
        const problem = idProblem(String(value));
        return problem === null ? null : { field: path, message: problem };
      };
    }
    if (inner.name === "String") {
      return (value, path) => {
        const problem = typeof value === "string" ? textProblem(value) : null;
        return problem === null ? null : { field: path, message: problem };
      };
    }
    return null;
  }
  if (isInputObjectType(inner)) {
    const name = getNamedType(inner).name;
    if (seen.has(name)) return seen.get(name)!;
    // Recursive input types: the entry is filled in once the fields are known.
    let resolved: Check | null = null;
    seen.set(name, (value, path) => resolved?.(value, path) ?? null);
    const fields = Object.values(inner.getFields())
      .map((field) => [field.name, checkFor(field.type, seen)] as const)
      .filter((entry): entry is readonly [string, Check] => entry[1] !== null);
    resolved =
      fields.length === 0
        ? null
        : (value, path) => {
            if (typeof value !== "object" || value === null) return null;
            const record = value as Record<string, unknown>;
            for (const [name, check] of fields) {
              if (record[name] === undefined || record[name] === null) continue;
              const refusal = check(record[name], join(path, name));
              if (refusal) return refusal;
            }
            return null;
          };
    seen.set(name, resolved);
    return resolved;
  }
  return null;
}
