import { afterAll, describe, expect, it } from "vitest";
import { readModelKeys } from "../../readmodels/keys";
import { eventually, startTestService, type TestService } from "../support/service";

const services: TestService[] = [];
afterAll(async () => {
  for (const service of services) await service.stop();
});

const open = `mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename } }`;
const account = (id: string) => `{ account(id: "${id}") { id balance { amount } } }`;

describe("read models built from another event store", () => {
  it("are forgotten and rebuilt from this store's log, never trusted", async () => {
    const first = await startTestService();
    services.push(first);
    await first.gql(open, { input: { accountId: "old-log", ownerId: "ivy", currency: "USD" } });
    await eventually(async () => expect((await first.gql(account("old-log"))).data?.account).not.toBeNull());
    await first.service.stop();

    // A new, empty event store (as after deleting ./data) behind the same Redis prefix.
    const second = await startTestService({ REDIS_PREFIX: first.prefix });
    services.push(second);
    await second.gql(open, { input: { accountId: "new-log", ownerId: "ivy", currency: "USD" } });
    await eventually(async () => expect((await second.gql(account("new-log"))).data?.account).not.toBeNull());
    expect((await second.gql(account("old-log"))).data?.account).toBeNull();
    const identity = await second.service.redis.get(readModelKeys(first.prefix).storeIdentity());
    expect(identity).toMatch(/^[0-9a-f-]{36}$/);
  });
});
