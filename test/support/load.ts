import { randomUUID } from "node:crypto";
import type { AggregateType } from "../../commands/aggregate";
import { accountAggregate } from "../../commands/aggregates/account";
import { orderAggregate } from "../../commands/aggregates/order";
import { productAggregate } from "../../commands/aggregates/product";
import type { DomainEvent } from "../../domain/shared/decider";
import type { EventStore, JsonObject } from "../../eventstore/port";
import { seeded } from "../../gameday/lib/random";

export { seeded };

/**
 * Runs commands through a decider, in memory, then appends all the events of one aggregate in one
 * call with the expected revision: real domain events, written fast enough to make tens of
 * thousands of them in a test.
 */
async function appendScript<C extends { type: string }, E extends DomainEvent, S>(
  store: EventStore,
  aggregate: AggregateType<C, E, S>,
  id: string,
  commands: C[],
): Promise<number> {
  let state = aggregate.decider.initialState;
  const events: E[] = [];
  for (const command of commands) {
    try {
      const decided = aggregate.decider.decide(command, state);
      for (const event of decided) state = aggregate.decider.evolve(state, event);
      events.push(...decided);
    } catch {
      // A command the rules refuse (an overdraft, say) appends nothing, as in production.
    }
  }
  if (events.length === 0) return 0;
  await store.appendToStream(
    aggregate.streamId(id),
    events.map((event) => ({
      id: randomUUID(),
      type: event.type,
      data: event.data as JsonObject,
      schemaVersion: aggregate.schemaVersionOf(event),
      metadata: { correlationId: randomUUID(), userId: "load", timestamp: new Date().toISOString() },
    })),
    { expectedRevision: "no_stream" },
  );
  return events.length;
}

export interface LoadOptions {
  readonly seed: number;
  /** Roughly how many events to append. */
  readonly events: number;
  /** A tag that keeps ids unique when several loads share one store. */
  readonly tag: string;
  /** Called after every aggregate written, with the running count. */
  readonly onProgress?: (appended: number) => void | Promise<void>;
}

/** Appends a mixed load: products, accounts with money movements, and orders in every state. */
export async function appendMixedLoad(store: EventStore, options: LoadOptions): Promise<number> {
  const random = seeded(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const at = (minutes: number) => new Date(Date.UTC(2026, 2, 1) + minutes * 60_000).toISOString();
  let appended = 0;
  const progress = async (n: number) => {
    appended += n;
    await options.onProgress?.(appended);
  };

  const products = Array.from({ length: 12 }, (_, i) => ({
    id: `${options.tag}-p${i}`,
    price: 100 + i * 37,
  }));
  for (const [i, product] of products.entries()) {
    await progress(
      await appendScript(store, productAggregate, product.id, [
        {
          type: "AddProduct",
          productId: product.id,
          sku: `SKU-${options.tag}-${i}`,
          name: `Product ${i}`,
          price: product.price,
          currency: "USD",
          initialStock: 1_000_000,
          at: at(i),
        },
      ]),
    );
  }

  const regions = ["US-CA", "US-NY", "DE", "GB", "FR", "JP"];
  for (let n = 0; appended < options.events; n++) {
    if (n % 2 === 0) {
      const id = `${options.tag}-a${n}`;
      const commands: Parameters<typeof accountAggregate.decider.decide>[0][] = [
        {
          type: "OpenAccount",
          accountId: id,
          ownerId: `${options.tag}-owner${n % 50}`,
          currency: "USD",
          at: at(n),
        },
      ];
      for (let k = 0; k < 16; k++) {
        const amount = 1 + Math.floor(random() * 50_000);
        commands.push(
          random() < 0.6
            ? { type: "DepositMoney", accountId: id, amount, currency: "USD", at: at(n + k) }
            : {
                type: "WithdrawMoney",
                accountId: id,
                withdrawalId: `w${k}`,
                amount,
                currency: "USD",
                at: at(n + k),
              },
        );
      }
      commands.push({
        type: "ReverseWithdrawal",
        accountId: id,
        withdrawalId: "w3",
        reason: "mistake",
        at: at(n + 20),
      });
      await progress(await appendScript(store, accountAggregate, id, commands));
    } else {
      const id = `${options.tag}-o${n}`;
      const lines = [pick(products), pick(products)]
        .filter((p, i, all) => all.findIndex((q) => q.id === p.id) === i)
        .map((p) => ({
          productId: p.id,
          quantity: 1 + Math.floor(random() * 3),
          unitPrice: p.price,
          currency: "USD",
        }));
      const address = { line1: "1 Way", city: "Town", postalCode: "1", country: "XX", region: pick(regions) };
      const script: Parameters<typeof orderAggregate.decider.decide>[0][] = [
        {
          type: "PlaceOrder",
          orderId: id,
          customerId: `${options.tag}-c${n % 40}`,
          currency: "USD",
          lines,
          shippingAddress: address,
          at: at(n),
        },
      ];
      // The order process's answer, decided in memory too: these loads are about the views, and
      // the products' own streams (with their stock) are not part of them.
      script.push({ type: "ConfirmStock", orderId: id, at: at(n) });
      const fate = random();
      const total = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
      // The decider adds tax; pay what it asks for by reading it back from the placed event.
      script.push({
        type: "ConfirmPayment",
        orderId: id,
        amount: -1,
        currency: "USD",
        paymentReference: "p",
        at: at(n + 1),
      });
      if (fate < 0.15)
        script.push({ type: "CancelOrder", orderId: id, reason: "changed mind", at: at(n + 2) });
      else {
        script.push({ type: "ShipOrder", orderId: id, trackingNumber: `T${n}`, at: at(n + 2) });
        script.push({ type: "DeliverOrder", orderId: id, at: at(n + 3) });
        if (fate > 0.85) {
          script.push({ type: "RequestRefund", orderId: id, reason: "broken", at: at(n + 4) });
          script.push({ type: "IssueRefund", orderId: id, at: at(n + 5) });
        }
      }
      await progress(await appendOrder(store, id, script, total));
    }
  }
  return appended;
}

/** Orders need the total (with tax) before paying: decide PlaceOrder first, then fill the amount in. */
async function appendOrder(
  store: EventStore,
  id: string,
  script: Parameters<typeof orderAggregate.decider.decide>[0][],
  _subtotal: number,
): Promise<number> {
  const [place, ...rest] = script;
  const placed = orderAggregate.decider.decide(place!, orderAggregate.decider.initialState);
  const first = placed[0];
  const total = first?.type === "OrderPlaced" ? first.data.total : 0;
  const commands = [place!, ...rest.map((c) => (c.type === "ConfirmPayment" ? { ...c, amount: total } : c))];
  return appendScript(store, orderAggregate, id, commands);
}
