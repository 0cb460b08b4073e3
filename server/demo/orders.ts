import { orderDecider } from "../../domain/ordering/decider";
import { isRejection, priceOrder } from "../../domain/ordering/pricing";
import type { OrderStatus } from "../../domain/ordering/state";
import type { OrderCommand } from "../../domain/ordering/commands";
import { deposit } from "./banking";
import { demoCustomers, type DemoCustomer } from "./customers";
import { badLines, goodLines } from "./lines";
import { accountStep, HOUR, iso, MINUTE, orderStep, type DemoStep } from "./plan";
import type { Random } from "./random";
import { complete, scenarios, sofar, type Scenario, type Timeline } from "./scenarios";

export type { Scenario };

/** What the plan knows about an order it made; the live activity moves the open ones forward. */
export interface DemoOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  /** Minor units; 0 for a rejected order. */
  readonly total: number;
  /** How its story goes; "flashSale": one of the orders for the limited product (flash-sale.ts). */
  readonly scenario: Scenario | "flashSale";
  /** Where the order stands at the end of the plan (the order decider's fold of its commands). */
  readonly status: OrderStatus;
}

export const ORDERS_AT_SCALE_1 = 300;

const cancelReasons = [
  "Ordered by mistake",
  "Found it cheaper elsewhere",
  "Delivery takes too long",
  "Changed my mind",
];
const refundReasons = [
  "Arrived damaged",
  "Not as described",
  "Wrong grind size",
  "No longer needed",
  "Stopped working",
];

interface Draft {
  /** How its story goes; "flashSale": one of the orders for the limited product (flash-sale.ts). */
  readonly scenario: Scenario | "flashSale";
  readonly customer: DemoCustomer;
  readonly placedAtMs: number;
  readonly moves: Timeline;
}

/**
 * A few hundred orders over the last ~30 days, every scenario at least once, numbered by the
 * time they were placed (order-0001 is the oldest). Lines are priced from the catalog at the
 * instant of placing, as the edge does.
 */
export function orderSteps(
  random: Random,
  nowMs: number,
  scale: number,
): { steps: DemoStep[]; orders: DemoOrder[] } {
  const all = Object.keys(scenarios) as Scenario[];
  const count = Math.max(all.length, Math.round(ORDERS_AT_SCALE_1 * scale));
  const loyalty = demoCustomers.map((customer) => [customer, random.int(1, 5)] as const);
  const weights = all
    .map((scenario) => [scenario, scenarios[scenario].weight] as const)
    .filter(([, weight]) => weight > 0);
  const drafts: Draft[] = [];
  for (let n = 0; n < count; n++) {
    const customer = random.weighted(loyalty);
    // The first pass gives every scenario one order that gets to its end; the others are spread
    // evenly over the last 30 days and have got as far as their age allows.
    const { scenario, moves, ageMs } = n < all.length ? complete(random, all[n]!) : sofar(random, weights);
    drafts.push({ scenario, customer, placedAtMs: nowMs - ageMs, moves });
  }
  drafts.sort((a, b) => a.placedAtMs - b.placedAtMs);
  const steps: DemoStep[] = [];
  const orders: DemoOrder[] = [];
  drafts.forEach((draft, index) => {
    const orderId = `order-${String(index + 1).padStart(4, "0")}`;
    const made = stepsOf(random, nowMs, orderId, draft);
    steps.push(...made.steps);
    orders.push(made.order);
  });
  return { steps, orders };
}

function stepsOf(
  random: Random,
  nowMs: number,
  orderId: string,
  draft: Draft,
): { steps: DemoStep[]; order: DemoOrder } {
  const { customer, scenario, placedAtMs } = draft;
  const { currency, address, accountId } = customer;
  const lines =
    scenario === "rejected"
      ? badLines(random, customer, placedAtMs, nowMs)
      : goodLines(random, currency, placedAtMs, nowMs);
  const priced = priceOrder(lines, currency, address.region);
  const total = isRejection(priced) ? 0 : priced.total;
  const steps: DemoStep[] = [
    orderStep({
      type: "PlaceOrder",
      orderId,
      customerId: customer.id,
      currency,
      lines,
      shippingAddress: address,
      at: iso(placedAtMs),
    }),
  ];
  const order = (): DemoOrder => ({
    orderId,
    customerId: customer.id,
    currency,
    total,
    scenario,
    status: statusAfter(steps),
  });
  if (isRejection(priced)) return { steps, order: order() };
  let at = placedAtMs;
  let paid = false;
  let payments = 0;
  const payment = (amount: number): string => {
    payments += 1;
    const withdrawalId = payments === 1 ? `pay-${orderId}` : `pay-${orderId}-${payments}`;
    steps.push(
      accountStep({ type: "WithdrawMoney", accountId, withdrawalId, amount, currency, at: iso(at) }, orderId),
    );
    steps.push(
      orderStep({
        type: "ConfirmPayment",
        orderId,
        amount,
        currency,
        paymentReference: withdrawalId,
        at: iso(at + 20_000),
      }),
    );
    return withdrawalId;
  };
  for (const { move, afterMs } of draft.moves) {
    at += afterMs;
    switch (move) {
      case "declinedPayment": {
        // The customer paid the subtotal (tax forgotten): the order declines, the bank reverses it.
        const wrong = priced.tax > 0 ? priced.subtotal : total + 100;
        const withdrawalId = payment(wrong);
        const reason = `Order ${orderId} declined the payment: the amount differs from the order total`;
        steps.push(
          accountStep(
            { type: "ReverseWithdrawal", accountId, withdrawalId, reason, at: iso(at + 2 * HOUR) },
            orderId,
          ),
        );
        break;
      }
      case "pay":
        payment(total);
        paid = true;
        break;
      case "ship": {
        const trackingNumber = `1ZLL${String(random.int(0, 99_999_999)).padStart(8, "0")}${orderId.slice(-4)}`;
        steps.push(orderStep({ type: "ShipOrder", orderId, trackingNumber, at: iso(at) }));
        break;
      }
      case "deliver":
        steps.push(orderStep({ type: "DeliverOrder", orderId, at: iso(at) }));
        break;
      case "cancel":
        steps.push(
          orderStep({ type: "CancelOrder", orderId, reason: random.pick(cancelReasons), at: iso(at) }),
        );
        // Money paid for a cancelled order goes back to the account it came from.
        if (paid) steps.push(deposit(accountId, currency, total, at + HOUR, orderId));
        break;
      case "requestRefund":
        steps.push(
          orderStep({ type: "RequestRefund", orderId, reason: random.pick(refundReasons), at: iso(at) }),
        );
        break;
      case "issueRefund":
        steps.push(orderStep({ type: "IssueRefund", orderId, at: iso(at) }));
        steps.push(deposit(accountId, currency, total, at + 10 * MINUTE, orderId));
        break;
    }
  }
  return { steps, order: order() };
}

/**
 * The order's status after its commands, by the order decider itself: the plan is checked
 * against the domain's rules before anything is appended, and the status cannot drift from them.
 */
function statusAfter(steps: readonly DemoStep[]): OrderStatus {
  let state = orderDecider.initialState;
  const apply = (command: OrderCommand) => {
    state = orderDecider.decide(command, state).reduce(orderDecider.evolve, state);
  };
  for (const step of steps) {
    if (step.kind !== "order") continue;
    apply(step.command);
    // The plan restocks before every order (feasible.ts): the order process holds every line.
    if (state.status === "awaiting_stock")
      apply({ type: "ConfirmStock", orderId: step.id, at: step.command.at });
  }
  if (state.status === "new") throw new Error("A demo order was never placed");
  return state.status;
}
