import { expect } from "vitest";
import type { LiveSubscription } from "../../support/live";
import type { GqlResponse } from "../../support/service";
import type { ApiClient } from "./api";

export const usd = (amount: string) => ({ amount, currency: "USD" });

export const address = {
  line1: "1 Main St",
  city: "Springfield",
  postalCode: "12345",
  country: "US",
  region: "US-CA",
};

const accountMutations = new Set(["openAccount", "deposit", "withdraw", "reverseWithdrawal", "closeAccount"]);

type Result = { __typename: string; code?: string; position?: string; revision?: number; events?: string[] };

/** Runs a mutation `name(input: $input)` and returns its union result (no GraphQL errors allowed). */
export async function mutate(
  client: Pick<ApiClient, "gql">,
  name: string,
  input: Record<string, unknown>,
): Promise<Result> {
  const response = await mutateRaw(client, name, input);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data![name]!;
}

export function mutateRaw(
  client: Pick<ApiClient, "gql">,
  name: string,
  input: Record<string, unknown>,
): Promise<GqlResponse<Record<string, Result>>> {
  const inputType = `${name[0]!.toUpperCase()}${name.slice(1)}Input`;
  const change = accountMutations.has(name)
    ? "... on AccountChange { position revision }"
    : "... on Change { position revision events }";
  return client.gql<Record<string, Result>>(
    `mutation($input: ${inputType}!) { ${name}(input: $input) { __typename ${change} ... on Error { code message } } }`,
    { input },
  );
}

/** The codes of a response's GraphQL errors. */
export function codes(response: { errors?: { extensions?: Record<string, unknown> }[] }): unknown[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

/** The first thing a live view gives: its first payload, or the error that ended it. */
export async function firstPush<T>(live: LiveSubscription<T>): Promise<T | { errors: unknown }> {
  try {
    const [first] = await live.waitFor(1);
    return first!;
  } catch (error) {
    return { errors: error };
  }
}
