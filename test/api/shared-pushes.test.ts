import { GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { createYoga } from "graphql-yoga";
import { afterEach, describe, expect, it } from "vitest";
import { SseDataSplitter } from "../../gameday/lib/sse";
import { memoized } from "../../schema/context";
import { useSharedPushes } from "../../server/shared-pushes";

/**
 * The gateway's shared pushes (server/shared-pushes.ts) on a small schema of its own served by
 * graphql-yoga over SSE, where executions can be counted: subscribers that would compute the same
 * push share one execution; anything the answer depends on (the user, the role, a variable below
 * the subscription field, the update itself) keeps them apart.
 */

interface Tick {
  readonly n: number;
}

/** A source that hands every subscriber of a room the same update object (as the live views do). */
class Rooms {
  private readonly queues = new Map<string, Set<(tick: Tick) => void>>();
  open = 0;

  subscribe(room: string): AsyncIterableIterator<Tick> {
    const pending: Tick[] = [];
    let wake: (() => void) | null = null;
    let closed = false;
    const push = (tick: Tick) => {
      pending.push(tick);
      wake?.();
    };
    const set = this.queues.get(room) ?? new Set();
    this.queues.set(room, set.add(push));
    this.open++;
    const close = () => {
      if (closed) return;
      closed = true;
      set.delete(push);
      this.open--;
      wake?.();
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (pending.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
        return pending.length > 0
          ? { value: pending.shift()!, done: false }
          : { value: undefined, done: true };
      },
      async return() {
        close();
        return { value: undefined, done: true };
      },
    };
  }

  /** One update object to every subscriber of the room (`distinct`: a copy for each). */
  publish(room: string, n: number, distinct = false): void {
    const tick = { n };
    for (const push of this.queues.get(room) ?? []) push(distinct ? { n } : tick);
  }
}

function testGateway() {
  const rooms = new Rooms();
  const executions = { n: 0, viewer: 0, label: 0 };
  const TickType = new GraphQLObjectType<Tick, { userId: string; role: string }>({
    name: "Tick",
    fields: {
      n: {
        type: GraphQLInt,
        resolve: (tick) => {
          executions.n++;
          return tick.n;
        },
      },
      viewer: {
        type: GraphQLString,
        resolve: (_tick, _args, ctx) => {
          executions.viewer++;
          return `${ctx.userId}/${ctx.role}`;
        },
      },
      label: {
        type: GraphQLString,
        args: { prefix: { type: new GraphQLNonNull(GraphQLString) } },
        resolve: (tick, args: { prefix: string }) => {
          executions.label++;
          return `${args.prefix}${tick.n}`;
        },
      },
      greeting: {
        type: GraphQLString,
        args: { name: { type: GraphQLString } },
        resolve: (tick, args: { name?: string | null }) => `hi ${String(args.name)} ${tick.n}`,
      },
      // What a field memoizes for its request: per push, not per subscription.
      remembered: {
        type: GraphQLInt,
        resolve: (tick, _args, ctx) => memoized(ctx as never, "remembered", async () => tick.n),
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
    subscription: new GraphQLObjectType({
      name: "Subscription",
      fields: {
        ticks: {
          type: TickType,
          args: { room: { type: new GraphQLNonNull(GraphQLString) }, since: { type: GraphQLInt } },
          subscribe: (_root, args: { room: string }) => {
            if (args.room === "closed") throw new Error("room closed");
            return rooms.subscribe(args.room);
          },
          resolve: (tick: Tick) => tick,
        },
      },
    }),
  });
  const yoga = createYoga({
    schema,
    plugins: [useSharedPushes() as never],
    context: ({ request }) => ({
      userId: request.headers.get("x-user") ?? "",
      role: request.headers.get("x-role") ?? "customer",
      memo: new Map(),
    }),
    logging: false,
  });
  return { yoga, rooms, executions };
}

type TestGateway = ReturnType<typeof testGateway>;

/** An SSE subscription through yoga: its pushes' `data` as they arrive. */
async function subscribe(
  gateway: TestGateway,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
  status = 200,
) {
  const controller = new AbortController();
  const response = await gateway.yoga.fetch("http://test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  expect(response.status).toBe(status);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const splitter = new SseDataSplitter();
  const received: unknown[] = [];
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      for (const data of splitter.push(decoder.decode(value, { stream: true })))
        received.push(JSON.parse(data));
    }
  })();
  return {
    received,
    async close() {
      await reader.cancel().catch(() => undefined);
      controller.abort();
      await reading;
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const ticks = `subscription($room: String!, $since: Int) { ticks(room: $room, since: $since) { n } }`;
const withViewer = `subscription($room: String!) { ticks(room: $room) { n viewer } }`;
const withLabel = `subscription($room: String!, $prefix: String!) { ticks(room: $room) { label(prefix: $prefix) } }`;

describe("live pushes shared between subscribers", () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((subscription) => subscription.close()));
  });

  async function subscribers(
    gateway: TestGateway,
    count: number,
    make: (i: number) => Parameters<typeof subscribe>,
  ) {
    const list = await Promise.all(Array.from({ length: count }, (_, i) => subscribe(...make(i))));
    open.push(...list);
    await until(() => gateway.rooms.open === count);
    return list;
  }

  it("executes one update once for every subscriber of the same operation and user, whatever they resumed from", async () => {
    const gateway = testGateway();
    const list = await subscribers(gateway, 5, (i) => [
      gateway,
      ticks,
      { room: "a", since: i },
      { "x-user": "u1" },
    ]);
    gateway.rooms.publish("a", 1);
    gateway.rooms.publish("a", 2);
    await until(() => list.every((s) => s.received.length === 2));
    for (const subscription of list) {
      expect(subscription.received).toEqual([{ data: { ticks: { n: 1 } } }, { data: { ticks: { n: 2 } } }]);
    }
    expect(gateway.executions.n).toBe(2);
  });

  it("executes it again for another user or role: what authorization decides on", async () => {
    const gateway = testGateway();
    const who: Record<string, string>[] = [
      { "x-user": "u1" },
      { "x-user": "u1" },
      { "x-user": "u2" },
      { "x-user": "u1", "x-role": "admin" },
    ];
    const list = await subscribers(gateway, who.length, (i) => [gateway, withViewer, { room: "a" }, who[i]!]);
    gateway.rooms.publish("a", 7);
    await until(() => list.every((s) => s.received.length === 1));
    expect(list.map((s) => s.received[0])).toEqual([
      { data: { ticks: { n: 7, viewer: "u1/customer" } } },
      { data: { ticks: { n: 7, viewer: "u1/customer" } } },
      { data: { ticks: { n: 7, viewer: "u2/customer" } } },
      { data: { ticks: { n: 7, viewer: "u1/admin" } } },
    ]);
    expect(gateway.executions.viewer).toBe(3);
  });

  it("executes it again for different variables below the subscription field", async () => {
    const gateway = testGateway();
    const prefixes = ["x", "y", "x"];
    const list = await subscribers(gateway, 3, (i) => [
      gateway,
      withLabel,
      { room: "a", prefix: prefixes[i] },
    ]);
    gateway.rooms.publish("a", 3);
    await until(() => list.every((s) => s.received.length === 1));
    expect(list.map((s) => s.received[0])).toEqual([
      { data: { ticks: { label: "x3" } } },
      { data: { ticks: { label: "y3" } } },
      { data: { ticks: { label: "x3" } } },
    ]);
    expect(gateway.executions.label).toBe(2);
  });

  it("tells a variable left out (its default applies) from an explicit null", async () => {
    const gateway = testGateway();
    const greet = `subscription($room: String!, $name: String = "you") { ticks(room: $room) { greeting(name: $name) } }`;
    const variables = [{ room: "a" }, { room: "a", name: null }, { room: "a", name: "you" }];
    const list = await subscribers(gateway, 3, (i) => [gateway, greet, variables[i]!]);
    gateway.rooms.publish("a", 1);
    await until(() => list.every((s) => s.received.length === 1));
    expect(list.map((s) => s.received[0])).toEqual([
      { data: { ticks: { greeting: "hi you 1" } } },
      { data: { ticks: { greeting: "hi null 1" } } },
      { data: { ticks: { greeting: "hi you 1" } } },
    ]);
  });

  it("executes each push with a request memo of its own (nothing memoized is kept from an earlier push)", async () => {
    const gateway = testGateway();
    const list = await subscribers(gateway, 2, () => [
      gateway,
      `subscription($room: String!) { ticks(room: $room) { remembered } }`,
      { room: "a" },
    ]);
    gateway.rooms.publish("a", 1);
    await until(() => list.every((s) => s.received.length === 1));
    gateway.rooms.publish("a", 2);
    await until(() => list.every((s) => s.received.length === 2));
    for (const subscription of list) {
      expect(subscription.received).toEqual([
        { data: { ticks: { remembered: 1 } } },
        { data: { ticks: { remembered: 2 } } },
      ]);
    }
  });

  it("executes each subscriber's own update object for it (nothing is shared by value)", async () => {
    const gateway = testGateway();
    const list = await subscribers(gateway, 3, () => [gateway, ticks, { room: "a" }]);
    gateway.rooms.publish("a", 4, true);
    await until(() => list.every((s) => s.received.length === 1));
    expect(gateway.executions.n).toBe(3);
  });

  it("answers a source that refuses with its error, and a closed subscription stops its source", async () => {
    const gateway = testGateway();
    // As yoga answers without the plugin: an unexpected error (500), and wrong variables (400).
    const refused = await subscribe(gateway, ticks, { room: "closed" }, {}, 500);
    open.push(refused);
    await until(() => refused.received.length === 1);
    expect(refused.received[0]).toMatchObject({ errors: [{ path: ["ticks"] }] });
    const wrong = await subscribe(gateway, ticks, { room: 5 }, {}, 400);
    open.push(wrong);
    await until(() => wrong.received.length === 1);
    expect(wrong.received[0]).toMatchObject({ errors: [{ extensions: { code: "BAD_USER_INPUT" } }] });

    const [subscription] = await subscribers(gateway, 1, () => [gateway, ticks, { room: "b" }]);
    gateway.rooms.publish("b", 1);
    await until(() => subscription!.received.length === 1);
    // Closed while it waits for the next update: the source is told at once, with nothing published.
    await subscription!.close();
    await until(() => gateway.rooms.open === 0);
  });
});
