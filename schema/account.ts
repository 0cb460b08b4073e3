import type { AccountView } from "../readmodels/accounts";
import { builder } from "./builder";
import { MoneyRef } from "./money";

export const AccountStatusEnum = builder.enumType("AccountStatus", {
  values: { OPEN: { value: "open" }, CLOSED: { value: "closed" } } as const,
});

export const AccountRef = builder.objectRef<AccountView>("Account").implement({
  description: "A bank account as projected into Redis. Customers see their own accounts only.",
  // Defence in depth: resolvers already hide others' accounts from customers; any path that
  // still hands one over (a payload, a list) fails here instead of leaking it.
  authScopes: (account) => ({ staff: true, self: account.ownerId }),
  fields: (t) => ({
    id: t.exposeID("accountId"),
    ownerId: t.exposeID("ownerId"),
    currency: t.exposeString("currency"),
    balance: t.field({
      type: MoneyRef,
      resolve: (account) => ({ minorUnits: account.balance, currency: account.currency }),
    }),
    status: t.field({ type: AccountStatusEnum, resolve: (account) => account.status }),
    revision: t.exposeInt("revision", {
      description: "Revision of the account's last event reflected here (0 = just opened).",
    }),
    position: t.field({
      type: "Position",
      description: "Global position of that event.",
      resolve: (account) => account.position,
    }),
    openedAt: t.field({ type: "DateTime", resolve: (account) => account.openedAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (account) => account.updatedAt }),
    closedAt: t.field({ type: "DateTime", nullable: true, resolve: (account) => account.closedAt }),
  }),
});

export interface AccountPage {
  readonly accounts: readonly AccountView[];
  readonly offset: number;
  readonly total: number;
}

const PageInfo = builder
  .objectRef<{
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  }>("PageInfo")
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean("hasNextPage"),
      hasPreviousPage: t.exposeBoolean("hasPreviousPage"),
      startCursor: t.exposeString("startCursor", { nullable: true }),
      endCursor: t.exposeString("endCursor", { nullable: true }),
    }),
  });

/** Cursors are opaque to clients; inside they are offsets into the sorted index. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

export function decodeCursor(cursor: string): number | null {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  return match ? Number(match[1]) : null;
}

const AccountEdge = builder.objectRef<{ node: AccountView; cursor: string }>("AccountEdge").implement({
  fields: (t) => ({
    cursor: t.exposeString("cursor"),
    node: t.field({ type: AccountRef, resolve: (edge) => edge.node }),
  }),
});

export const AccountConnection = builder.objectRef<AccountPage>("AccountConnection").implement({
  fields: (t) => ({
    totalCount: t.exposeInt("total"),
    edges: t.field({
      type: [AccountEdge],
      resolve: (page) => page.accounts.map((node, i) => ({ node, cursor: encodeCursor(page.offset + i) })),
    }),
    pageInfo: t.field({
      type: PageInfo,
      resolve: (page) => ({
        hasNextPage: page.offset + page.accounts.length < page.total,
        hasPreviousPage: page.offset > 0,
        startCursor: page.accounts.length > 0 ? encodeCursor(page.offset) : null,
        endCursor: page.accounts.length > 0 ? encodeCursor(page.offset + page.accounts.length - 1) : null,
      }),
    }),
  }),
});
