import { GraphQLError } from "graphql";
import { builder } from "./builder";
import { decodeCursor, encodeCursor } from "./account";

/** A page of an offset-indexed list (a Redis sorted set), shaped as a Relay connection. */
export interface OffsetPage<T> {
  readonly items: readonly T[];
  readonly offset: number;
  readonly total: number;
}

const OffsetPageInfo = builder.objectRef<OffsetPage<unknown>>("OffsetPageInfo").implement({
  fields: (t) => ({
    hasNextPage: t.boolean({ resolve: (page) => page.offset + page.items.length < page.total }),
    hasPreviousPage: t.boolean({ resolve: (page) => page.offset > 0 }),
    startCursor: t.string({
      nullable: true,
      resolve: (page) => (page.items.length > 0 ? encodeCursor(page.offset) : null),
    }),
    endCursor: t.string({
      nullable: true,
      resolve: (page) => (page.items.length > 0 ? encodeCursor(page.offset + page.items.length - 1) : null),
    }),
  }),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Pothos object refs are invariant in their shape
export function offsetConnection<T>(name: string, node: any) {
  const edge = builder.objectRef<{ node: T; cursor: string }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString("cursor"),
      node: t.field({ type: node, resolve: (e) => e.node as never }),
    }),
  });
  return builder.objectRef<OffsetPage<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      totalCount: t.exposeInt("total"),
      edges: t.field({
        type: [edge],
        resolve: (page) =>
          page.items.map((item, i) => ({ node: item, cursor: encodeCursor(page.offset + i) })),
      }),
      pageInfo: t.field({ type: OffsetPageInfo, resolve: (page) => page as OffsetPage<unknown> }),
    }),
  });
}

/** Reads `first` / `after` into an offset and a limit, refusing what is out of range. */
export function pageWindow(args: { first?: number | null; after?: string | null }, maxPageSize = 100) {
  const first = args.first ?? 20;
  if (first < 1 || first > maxPageSize) {
    throw new GraphQLError(`"first" must be between 1 and ${maxPageSize}`, {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  let offset = 0;
  if (args.after) {
    const after = decodeCursor(args.after);
    if (after === null) {
      throw new GraphQLError(`"after" is not a cursor from this connection`, {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    offset = after + 1;
  }
  return { offset, limit: first };
}
