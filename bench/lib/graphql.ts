/** The GraphQL operations the benchmark sends, as the e2e suite sends them. */

/** The user the bench speaks as: a customer owning every account it opens. */
export const BENCH_USER = "bench";

export const accountQuery = `query($id: ID!) { account(id: $id) { id ownerId status revision position balance { amount currency minorUnits } } }`;
export const typenameQuery = `{ __typename }`;
export const openAccountMutation = `mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename ... on AccountChange { revision position } ... on Error { code message } } }`;
export const depositMutation = `mutation($input: DepositInput!) { deposit(input: $input) { __typename ... on AccountChange { revision position } ... on Error { code message } } }`;
export const watchAccountSubscription = `subscription($id: ID!) { accountUpdated(id: $id) { position account { id revision balance { amount currency } } } }`;

/** The account revision a live push carries (`accountUpdated.account.revision`), or null. */
export function pushedRevision(payload: unknown): number | null {
  const update = (payload as { data?: { accountUpdated?: { account?: { revision?: unknown } } } } | null)
    ?.data?.accountUpdated;
  const revision = update?.account?.revision;
  return typeof revision === "number" ? revision : null;
}

export function body(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables ? { query, variables } : { query });
}

export function depositBody(accountId: string, amount: string): string {
  return body(depositMutation, { input: { accountId, amount: { amount, currency: "USD" } } });
}

export function openAccountBody(accountId: string, ownerId = BENCH_USER): string {
  return body(openAccountMutation, { input: { accountId, ownerId, currency: "USD" } });
}

interface GraphQLAnswer {
  data?: Record<string, { __typename?: string; revision?: number } | null>;
  errors?: { message: string }[];
}

/** One GraphQL request from the harness process (setup only, never timed). */
export async function gql(
  url: string,
  payload: string,
  authorization: string | null,
): Promise<GraphQLAnswer> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(authorization && { authorization }),
    },
    body: payload,
  });
  const answer = (await response.json()) as GraphQLAnswer;
  if (answer.errors?.length) throw new Error(`GraphQL error: ${answer.errors[0]!.message}`);
  return answer;
}

/** Opens accounts through the openAccount mutation, `concurrency` at a time. */
export async function openAccounts(
  url: string,
  authorization: string | null,
  accountIds: readonly string[],
  concurrency = 16,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < accountIds.length) {
      const id = accountIds[next++]!;
      const answer = await gql(url, openAccountBody(id), authorization);
      const change = answer.data?.openAccount;
      if (change?.__typename !== "AccountChange") {
        throw new Error(`could not open account ${id}: ${JSON.stringify(change)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Waits until every account is in the read model (a subscription's first push needs the view). */
export async function waitProjected(
  url: string,
  authorization: string | null,
  accountIds: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const id of accountIds) {
    while ((await gql(url, body(accountQuery, { id }), authorization)).data?.account == null) {
      if (Date.now() > deadline || signal?.aborted) throw new Error(`account ${id} was not projected`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
