import { DAY, HOUR, MINUTE } from "./plan";
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

/**
 * weight: share of the orders placed over the last 30 days (0: only the one of the first pass);
 * maxAgeDays: how far back the first pass may place its order of that scenario and still see it
 * end in the scenario's status (nobody leaves a paid order unshipped for a month).
 */
export const scenarios: Readonly<Record<Scenario, { weight: number; maxAgeDays: number }>> = {
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

export type Move =
  "pay" | "declinedPayment" | "ship" | "deliver" | "cancel" | "requestRefund" | "issueRefund";
export type Timeline = readonly { readonly move: Move; readonly afterMs: number }[];
/** How long after a move its last command comes (the reversal, the money sent back). */
export const tails: Readonly<Record<Move, number>> = {
  pay: 20_000,
  declinedPayment: 2 * HOUR,
  ship: 0,
  deliver: 0,
  cancel: HOUR,
  requestRefund: 0,
  issueRefund: 10 * MINUTE,
};

/** The moves of a scenario with their delays after placing; each delay is counted from the move before. */
export function timeline(scenario: Scenario, random: Random): Timeline {
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

export type Story = { scenario: Scenario; moves: Timeline; ageMs: number };

/** Every command lies in the past, at least ten minutes before now. */
const MIN_IDLE = 10 * MINUTE;

/** The scenario played to its end, placed as long ago as its moves need and its status allows. */
export function complete(random: Random, scenario: Scenario): Story {
  const moves = timeline(scenario, random);
  const longestTail = Math.max(...Object.values(tails));
  const minAge = moves.reduce((sum, { afterMs }) => sum + afterMs, 0) + longestTail + MIN_IDLE;
  const maxAge = Math.max(scenarios[scenario].maxAgeDays * DAY, minAge + HOUR);
  return { scenario, moves, ageMs: minAge + random.int(0, Math.floor((maxAge - minAge) / MINUTE)) * MINUTE };
}

/** Placed at an even chance on any minute of the last 30 days, with the moves that happened by now. */
export function sofar(random: Random, weights: readonly (readonly [Scenario, number])[]): Story {
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
