import type { OrderLineInput } from "../../domain/ordering/commands";
import { orderDecider } from "../../domain/ordering/decider";
import { isRejection, priceOrder } from "../../domain/ordering/pricing";
import type { OrderStatus } from "../../domain/ordering/state";
import { deposit } from "./banking";
import { isOnSale, priceAt, productsIn, type DemoProduct } from "./catalog";
import { demoCustomers, type DemoCustomer } from "./customers";
import { accountStep, DAY, HOUR, iso, MINUTE, orderStep, type DemoStep } from "./plan";
import type { Random } from "./random";

/**
 * The story an order is meant to live through. An order placed recently has not got far yet: its
 * moves after "now" are cut, so a delivered-to-be order of yesterday is paid or shipped today.
 */
export type Scenario =
  | "abandoned"
  | "paid"
  | "shipped"
  | "delivered"
  | "cancelled_unpaid"
  | "cancelled_paid"
  | "refund_requested"
  | "refunded"
  | "refund_denied_not_delivered"
  | "refund_denied_window_passed"
  | "payment_declined"
  | "rejected";

/** What the plan knows about an order it made; the live activity moves the open ones forward. */
export interface DemoOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  /** Minor units; 0 for a rejected order. */
  readonly total: number;
  readonly scenario: Scenario;
  /** Where the order stands at the end of the plan (the order decider's fold of its commands). */
  readonly status: OrderStatus;
}

/**
 * weight: share of the orders placed over the last 30 days (0: only the one of the first pass);
 * maxAgeDays: how far back the first pass may place its order of that scenario and still see it
 * end in the scenario's status (nobody leaves a paid order unshipped for a month).
 */
const scenarios: Readonly<Record<Scenario, { weight: number; maxAgeDays: number }>> = {
  abandoned: { weight: 3, maxAgeDays: 3 },
  paid: { weight: 0, maxAgeDays: 1 },
  shipped: { weight: 0, maxAgeDays: 4 },
  delivered: { weight: 52, maxAgeDays: 30 },
  cancelled_unpaid: { weight: 6, maxAgeDays: 30 },
  cancelled_paid: { weight: 4, maxAgeDays: 30 },
  refund_requested: { weight: 4, maxAgeDays: 25 },
  refunded: { weight: 7, maxAgeDays: 30 },
  refund_denied_not_delivered: { weight: 4, maxAgeDays: 30 },
  // Asked more than REFUND_WINDOW_DAYS after delivery: the one order placed before the last 30 days.
  refund_denied_window_passed: { weight: 0, maxAgeDays: 50 },
  // The one declined payment (and the one reversed withdrawal) of the data set.
  payment_declined: { weight: 0, maxAgeDays: 30 },
  rejected: { weight: 4, maxAgeDays: 30 },
};

export const ORDERS_AT_SCALE_1 = 300;

type Move = "pay" | "declinedPayment" | "ship" | "deliver" | "cancel" | "requestRefund" | "issueRefund";
type Timeline = readonly { readonly move: Move; readonly afterMs: number }[];
/** How long after a move its last command comes (the reversal, the money sent back). */
const tails: Readonly<Record<Move, number>> = {
  pay: 20_000,
  declinedPayment: 2 * HOUR,
  ship: 0,
  deliver: 0,
  cancel: HOUR,
  requestRefund: 0,
  issueRefund: 10 * MINUTE,
};

/** The moves of a scenario with their delays after placing; each delay is counted from the move before. */
function timeline(scenario: Scenario, random: Random): Timeline {
  const pay = { move: "pay", afterMs: random.int(3, 120) * MINUTE } as const;
  const ship = { move: "ship", afterMs: random.int(6, 40) * HOUR } as const;
  const deliver = { move: "deliver", afterMs: random.int(20, 120) * HOUR } as const;
  const request = (minDays: number, maxDays: number) =>
    ({ move: "requestRefund", afterMs: random.int(minDays * 24, maxDays * 24) * HOUR }) as const;
  switch (scenario) {
    case "abandoned":
    case "rejected":
      return [];
    case "paid":
      return [pay];
    case "shipped":
      return [pay, ship];
    case "delivered":
      return [pay, ship, deliver];
    case "cancelled_unpaid":
      return [{ move: "cancel", afterMs: random.int(1, 36) * HOUR }];
    case "cancelled_paid":
      return [pay, { move: "cancel", afterMs: random.int(1, 20) * HOUR }];
    case "refund_requested":
      return [pay, ship, deliver, request(1, 8)];
    case "refunded":
      return [pay, ship, deliver, request(1, 8), { move: "issueRefund", afterMs: random.int(20, 72) * HOUR }];
    case "refund_denied_not_delivered":
      return [pay, ship, { move: "requestRefund", afterMs: random.int(4, 30) * HOUR }, deliver];
    case "refund_denied_window_passed":
      return [pay, ship, deliver, request(31, 38)];
    case "payment_declined":
      return [{ ...pay, move: "declinedPayment" }, { move: "pay", afterMs: 3 * HOUR }, ship, deliver];
  }
}

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
  readonly scenario: Scenario;
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

type Story = { scenario: Scenario; moves: Timeline; ageMs: number };

/** Every command lies in the past, at least ten minutes before now. */
const MIN_IDLE = 10 * MINUTE;

/** The scenario played to its end, placed as long ago as its moves need and its status allows. */
function complete(random: Random, scenario: Scenario): Story {
  const moves = timeline(scenario, random);
  const minAge = moves.reduce((sum, { afterMs }) => sum + afterMs, 0) + 2 * HOUR + MIN_IDLE;
  const maxAge = Math.max(scenarios[scenario].maxAgeDays * DAY, minAge + HOUR);
  return { scenario, moves, ageMs: minAge + random.int(0, Math.floor((maxAge - minAge) / MINUTE)) * MINUTE };
}

/** Placed at an even chance on any minute of the last 30 days, with the moves that happened by now. */
function sofar(random: Random, weights: readonly (readonly [Scenario, number])[]): Story {
  const scenario = random.weighted(weights);
  const ageMs = random.int(MIN_IDLE / MINUTE, 30 * 24 * 60) * MINUTE;
  const moves: Timeline[number][] = [];
  let elapsed = 0;
  for (const step of timeline(scenario, random)) {
    elapsed += step.afterMs;
    if (elapsed + tails[step.move] + MIN_IDLE > ageMs) break;
    moves.push(step);
  }
  return { scenario, moves, ageMs };
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
  for (const step of steps) {
    if (step.kind !== "order") continue;
    state = orderDecider.decide(step.command, state).reduce(orderDecider.evolve, state);
  }
  if (state.status === "new") throw new Error("A demo order was never placed");
  return state.status;
}

function line(item: DemoProduct, quantity: number, atMs: number, nowMs: number): OrderLineInput {
  return {
    productId: item.id,
    sku: item.sku,
    quantity,
    unitPrice: priceAt(item, atMs, nowMs),
    currency: item.currency,
  };
}

/** One to three different products on sale then, popular ones more often, mostly one of each. */
export function goodLines(random: Random, currency: string, atMs: number, nowMs: number): OrderLineInput[] {
  let candidates = productsIn(currency).filter((item) => isOnSale(item, atMs, nowMs));
  const wanted = random.weighted([
    [1, 5],
    [2, 3],
    [3, 2],
  ] as const);
  const lines: OrderLineInput[] = [];
  while (lines.length < wanted && candidates.length > 0) {
    const item = random.weighted(candidates.map((candidate) => [candidate, candidate.popularity] as const));
    candidates = candidates.filter((candidate) => candidate !== item);
    lines.push(line(item, random.chance(0.6) ? 1 : random.int(1, item.maxQuantity), atMs, nowMs));
  }
  return lines;
}

/** What a buggy client or a confused customer sends; the decider records each as OrderRejected. */
function badLines(random: Random, customer: DemoCustomer, atMs: number, nowMs: number): OrderLineInput[] {
  const [first] = goodLines(random, customer.currency, atMs, nowMs);
  const foreign = productsIn(customer.currency === "EUR" ? "USD" : "EUR");
  switch (random.pick(["no_lines", "invalid_quantity", "duplicate_product", "currency_mismatch"] as const)) {
    case "no_lines":
      return [];
    case "invalid_quantity":
      return [{ ...first!, quantity: 0 }];
    case "duplicate_product":
      return [first!, { ...first!, quantity: 1 }];
    case "currency_mismatch":
      return [line(random.pick(foreign), 1, atMs, nowMs)];
  }
}
