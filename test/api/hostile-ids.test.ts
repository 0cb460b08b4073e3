import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idProblem } from "../../domain/shared/ids";
import { gatewaySchema } from "../../resolvers/index";
import { readModelKeys } from "../../readmodels/keys";
import { dumpKeys, eventually, projectionsCaughtUp } from "../support/service";
import { startApiService, tokenFor, type ApiClient, type ApiService } from "./support/api";
import { address, mutate, usd } from "./support/fixtures";
import { seeded as random } from "../support/load";

/**
 * The id rule, property style: thousands of generated hostile ids through every argument of type
 * ID anywhere in the schema (queries, mutations, subscriptions, nested inputs). Each is refused
 * with a ValidationError or BAD_USER_INPUT naming the field, never an internal error, and nothing
 * is appended and no view changes.
 */

let t: ApiService;
let admin: ApiClient;

beforeAll(async () => {
  t = await startApiService({ RATE_LIMIT_MUTATIONS: "0" });
  admin = await t.as("admin", "ops");
  await mutate(admin, "openAccount", { accountId: "victim-1", ownerId: "victim", currency: "USD" });
  await mutate(admin, "deposit", { accountId: "victim-1", amount: usd("10.00") });
  await mutate(admin, "addProduct", {
    productId: "prod-1",
    sku: "SKU-1",
    name: "Mug",
    price: usd("5.00"),
    initialStock: 10,
  });
  await eventually(async () => {
    const answer = await admin.gql<{ product: { id: string } | null }>(`{ product(id: "prod-1") { id } }`);
    expect(answer.data?.product?.id).toBe("prod-1");
  });
  await mutate(admin, "placeOrder", {
    orderId: "order-1",
    customerId: "victim",
    currency: "USD",
    lines: [{ productId: "prod-1", quantity: 1 }],
    shippingAddress: address,
  });
  await projectionsCaughtUp(t);
});
afterAll(async () => {
  await t?.stop();
});

const realIds = ["victim-1", "victim", "prod-1", "order-1", "USD", "US-CA"];
const keySuffixes = [
  ":history",
  ":transactions",
  ":balances",
  ":orders",
  ":order-history",
  ":accounts",
  ":checkpoint",
  ":state",
  ":ledger",
  ":skip",
  ":total",
  ":days",
  ":day:2026-01-01",
];
const oddParts = [
  ":",
  "::",
  "{tag}",
  "%3A",
  "%",
  " ",
  "\t",
  "\n",
  "\u0000",
  "\u0007",
  "\u001b[31m",
  "\u007f",
  "\ud800",
  "\udfff",
  "é",
  "😀",
  "\u202e",
  "\u0301",
  "*",
  "?",
  "[a-z]",
  "/",
  "../",
  "\\",
  "'",
  '"',
  "; DROP TABLE events; --",
  "$",
  "#",
  "@",
  "\u00a0",
  "\ufeff",
];

/** An id the rule must refuse: real ids with key suffixes, separators, unicode, controls, too long. */
function hostileIds(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const fixed = [
    "",
    "-leading-dash",
    "_leading",
    ".hidden",
    "a".repeat(101),
    "b".repeat(10_000),
    ...realIds.flatMap((id) => keySuffixes.map((suffix) => id + suffix)),
    ...oddParts,
  ];
  const ids = [...fixed];
  while (ids.length < count) {
    const kind = Math.floor(next() * 4);
    const base = pick(realIds);
    const id =
      kind === 0
        ? base + pick(keySuffixes)
        : kind === 1
          ? base + pick(oddParts) + base
          : kind === 2
            ? pick(oddParts) + base
            : base + "x".repeat(100 + Math.floor(next() * 200));
    ids.push(id);
  }
  for (const id of ids)
    expect(idProblem(id), `generator made a valid id: ${JSON.stringify(id)}`).not.toBeNull();
  return ids;
}

/** A value that passes GraphQL coercion for `type`, with `id` in every ID slot. */
function filler(type: GraphQLInputType, id: string, depth = 0): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [filler(inner.ofType as GraphQLInputType, id, depth)];
  if (isEnumType(inner)) return inner.getValues()[0]!.value;
  if (isScalarType(inner)) {
    switch (inner.name) {
      case "ID":
        return id;
      case "String":
        return "USD";
      case "Int":
        return 1;
      case "Float":
        return 1;
      case "Boolean":
        return false;
      case "Position":
        return "1:1";
      case "DateTime":
        return "2026-01-01T00:00:00.000Z";
      default:
        return "x";
    }
  }
  if (isInputObjectType(inner)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) {
      if (!isNonNullType(field.type) && (depth > 2 || !containsId(field.type))) continue;
      value[field.name] = filler(field.type, id, depth + 1);
    }
    return value;
  }
  return null;
}

function containsId(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name === "ID";
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => containsId(field.type, seen));
}

interface Target {
  readonly operation: "query" | "mutation" | "subscription";
  readonly field: GraphQLField<unknown, unknown>;
}

function targets(): Target[] {
  const schema = gatewaySchema();
  const roots = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
    ["subscription", schema.getSubscriptionType()],
  ] as const;
  return roots.flatMap(([operation, type]) =>
    Object.values(type!.getFields())
      .filter((field) => field.args.some((arg) => containsId(arg.type)))
      .map((field) => ({ operation, field })),
  );
}

/** `query($a: T!, ...) { field(a: $a, ...) { __typename } }` with every argument as a variable. */
function operationFor({ operation, field }: Target, id: string) {
  const args = field.args.filter((arg) => isNonNullType(arg.type) || containsId(arg.type));
  const variables = Object.fromEntries(args.map((arg) => [arg.name, filler(arg.type, id)]));
  const declared = args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(", ");
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  const schema = gatewaySchema();
  const result = getNamedType(field.type);
  const validationError = schema.getType("ValidationError");
  const canFail =
    isAbstractType(result) && isObjectType(validationError) && schema.isSubType(result, validationError);
  const selection = canFail
    ? " { __typename ... on ValidationError { field } }"
    : isCompositeType(result)
      ? " { __typename }"
      : "";
  const query = `${operation}(${declared}) { ${field.name}(${passed})${selection} }`;
  return { query, variables };
}

interface Answer {
  data?: Record<string, { __typename?: string } | null> | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

/** Over HTTP for queries and mutations; a subscription over SSE, read up to its first message. */
async function send(target: Target, id: string): Promise<Answer> {
  const body = operationFor(target, id);
  if (target.operation !== "subscription") return (await admin.post(body)).body as Answer;
  const token = await tokenFor(t.config, "admin", "ops");
  const controller = new AbortController();
  const response = await fetch(t.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  if (!response.headers.get("content-type")?.includes("text/event-stream"))
    return (await response.json()) as Answer;
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const match = /event: next\ndata: (.*)\n/.exec(text);
      if (match) return JSON.parse(match[1]!) as Answer;
    }
  } finally {
    controller.abort();
  }
  throw new Error(`subscription ${target.field.name} ended without a message: ${text}`);
}

function refused(answer: Answer, name: string): boolean {
  const value = answer.data?.[name];
  if (value?.__typename === "ValidationError") return true;
  const codes = (answer.errors ?? []).map((error) => error.extensions?.code);
  return codes.length > 0 && codes.every((code) => code === "BAD_USER_INPUT");
}

/** Everything under the test's prefix but the bookkeeping that moves by itself (freshness reports). */
async function views(): Promise<Record<string, unknown>> {
  const keys = readModelKeys(t.prefix);
  const quoted = keys.prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // Freshness reports and rate-limit counters move by themselves; everything else must not.
  return dumpKeys(t.service.redis, t.prefix, [
    new RegExp(`^${quoted}(projector:[^:]+:state|projectors:state|ratelimit:)`),
  ]);
}

describe("every id a client sends follows one rule", () => {
  it("covers every field that takes an id, in all three operation kinds", () => {
    const names = targets().map((target) => `${target.operation}.${target.field.name}`);
    for (const expected of [
      "query.account",
      "query.product",
      "query.order",
      "mutation.openAccount",
      "mutation.placeOrder",
      "subscription.accountUpdated",
    ]) {
      expect(names).toContain(expected);
    }
  });

  it("refuses thousands of hostile ids everywhere, with a typed error naming the field, and changes nothing", async () => {
    const before = await views();
    const head = await t.service.store.headPosition();
    const all = targets();
    const perTarget = Math.max(40, Math.ceil(3_000 / all.length));
    let sent = 0;
    for (const [n, target] of all.entries()) {
      const ids = hostileIds(perTarget, 1_000 + n);
      for (let i = 0; i < ids.length; i += 8) {
        const answers = await Promise.all(ids.slice(i, i + 8).map((id) => send(target, id)));
        for (const [j, answer] of answers.entries()) {
          const id = ids[i + j]!;
          const where = `${target.operation} ${target.field.name} with ${JSON.stringify(id.slice(0, 80))}`;
          expect(JSON.stringify(answer), where).not.toContain("INTERNAL_SERVER_ERROR");
          expect(
            refused(answer, target.field.name),
            `${where}: ${JSON.stringify(answer).slice(0, 300)}`,
          ).toBe(true);
          const field = answer.data?.[target.field.name] as { field?: string } | undefined;
          const named = field?.field ?? answer.errors?.[0]?.extensions?.field;
          expect(named, where).toBeTruthy();
        }
        sent += answers.length;
      }
    }
    expect(sent).toBeGreaterThan(2_000);
    // Nothing appended, and no view of any id moved.
    expect(await t.service.store.headPosition()).toEqual(head);
    expect(await views()).toEqual(before);
  });

  it("answers a valid id that names nothing with null, not an error", async () => {
    for (const id of ["a", "0", "a.b-c_d", "z".repeat(100)]) {
      const answer = await admin.gql<{ account: null; product: null; order: null }>(
        `query($id: ID!) { account(id: $id) { id } product(id: $id) { id } order(id: $id) { id } }`,
        { id },
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({ account: null, product: null, order: null });
    }
  });
});
