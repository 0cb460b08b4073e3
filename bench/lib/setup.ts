import { readModelKeys } from "../../readmodels/keys";
import { waitUntil } from "./clock";
import type { FigureContext } from "./figure";
import { accountQuery, body, depositBody, gql, openAccounts } from "./graphql";

/** A service with one projected account to query: what figures 1 and 2 read. */
export async function serviceWithAccount(
  context: FigureContext,
  name: string,
  /** Settings on top of the figure's (another read side, say). */
  env: Record<string, string> = {},
) {
  const { url, prefix, service, authorization } = await context.env.service(name, env);
  const accountId = "bench-query";
  await openAccounts(url, authorization, [accountId]);
  await gql(url, depositBody(accountId, "100.00"), authorization);
  const query = body(accountQuery, { id: accountId });
  await waitUntil(
    async () => (await gql(url, query, authorization)).data?.account?.revision === 1,
    "the account to be projected",
    { signal: context.signal },
  );
  return {
    url,
    authorization,
    service,
    accountId,
    accountKey: readModelKeys(prefix).account(accountId),
    query,
  };
}
