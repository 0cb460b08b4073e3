import { GraphQLError } from "graphql";
import type { AggregateType } from "../commands/aggregate";
import { accountAggregate } from "../commands/aggregates/account";
import { orderAggregate } from "../commands/aggregates/order";
import { AccountNotFound } from "../domain/banking/errors";
import { OrderNotFound } from "../domain/ordering/errors";
import type { DomainEvent } from "../domain/shared/decider";
import { ValidationError } from "../domain/shared/errors";
import type { AccountView } from "../readmodels/accounts";
import type { OrderView } from "../readmodels/orders";
import type { GraphQLContext } from "../schema/context";

/**
 * Ownership rules for customers (staff and admin see everything their role allows). A customer
 * is never told that someone else's account or order exists: it is answered exactly like a
 * missing one (null from a query, NOT_FOUND for a subscription, the typed not-found result from
 * a mutation).
 */
export function isCustomer(ctx: GraphQLContext): boolean {
  return ctx.role === "customer";
}

export function visibleAccount(ctx: GraphQLContext, view: AccountView | null): AccountView | null {
  return view && (!isCustomer(ctx) || view.ownerId === ctx.userId) ? view : null;
}

export function visibleOrder(ctx: GraphQLContext, view: OrderView | null): OrderView | null {
  return view && (!isCustomer(ctx) || view.customerId === ctx.userId) ? view : null;
}

function notFound(kind: "Account" | "Order", id: string): GraphQLError {
  return new GraphQLError(`${kind} ${id} does not exist`, { extensions: { code: "NOT_FOUND" } });
}

/** Before a customer's live view of an account starts: theirs, or NOT_FOUND. */
export async function requireVisibleAccount(ctx: GraphQLContext, accountId: string): Promise<void> {
  if (!isCustomer(ctx)) return;
  if (!visibleAccount(ctx, await ctx.services.views.accounts.get(accountId)))
    throw notFound("Account", accountId);
}

/** Before a customer's live view of an order starts: theirs, or NOT_FOUND. */
export async function requireVisibleOrder(ctx: GraphQLContext, orderId: string): Promise<void> {
  if (!isCustomer(ctx)) return;
  if (!visibleOrder(ctx, await ctx.services.views.orders.get(orderId))) throw notFound("Order", orderId);
}

/**
 * The aggregate a customer's command runs against, with the ownership check inside `decide`:
 * it sees the state the command runtime just loaded from the event store, under the stream's
 * lock, so it cannot be raced, and it works for an account opened a moment ago that the Redis
 * view does not show yet. Someone else's aggregate fails like a missing one.
 */
function ownedBy<C extends { type: string }, E extends DomainEvent, S>(
  aggregate: AggregateType<C, E, S>,
  ownerOf: (state: S) => string | null,
  userId: string,
  foreign: () => Error,
): AggregateType<C, E, S> {
  return {
    ...aggregate,
    decider: {
      ...aggregate.decider,
      decide: (command, state) => {
        const owner = ownerOf(state);
        if (owner !== null && owner !== userId) throw foreign();
        return aggregate.decider.decide(command, state);
      },
    },
  };
}

export function accountAggregateFor(ctx: GraphQLContext, accountId: string): typeof accountAggregate {
  if (!isCustomer(ctx) || ctx.userId === undefined) return accountAggregate;
  return ownedBy(
    accountAggregate,
    (state) => (state.status === "unopened" ? null : state.ownerId),
    ctx.userId,
    () => new AccountNotFound(accountId),
  );
}

/** `placing`: a new order whose id is someone else's is refused without naming that order's status. */
export function orderAggregateFor(
  ctx: GraphQLContext,
  orderId: string,
  placing = false,
): typeof orderAggregate {
  if (!isCustomer(ctx) || ctx.userId === undefined) return orderAggregate;
  return ownedBy(
    orderAggregate,
    (state) => (state.status === "new" ? null : state.customerId),
    ctx.userId,
    () =>
      placing
        ? new ValidationError("orderId", `Order id ${orderId} is taken; choose another or leave it out`)
        : new OrderNotFound(orderId),
  );
}
