import { accountAggregate } from "../../commands/aggregates/account";
import { orderAggregate } from "../../commands/aggregates/order";
import { productAggregate } from "../../commands/aggregates/product";
import type { CommandContext } from "../../commands/context";
import type { CommandRuntime } from "../../commands/runtime";
import type { AccountCommand } from "../../domain/banking/commands";
import { InsufficientFunds } from "../../domain/banking/errors";
import type { ProductCommand } from "../../domain/catalog/commands";
import type { OrderCommand } from "../../domain/ordering/commands";
import { isRejection, priceOrder } from "../../domain/ordering/pricing";
import type { OrderStatus } from "../../domain/ordering/state";
import { DomainError } from "../../domain/shared/errors";
import { silentLog, type Log } from "../../projectors/log";
import { foldStored } from "../../commands/aggregate";
import { orderStreamId } from "../../domain/ordering/state";
import { settleProcesses } from "./processes";
import { demoAccounts } from "./banking";
import { demoProducts, onSaleToday } from "./catalog";
import { demoCustomers, findCustomer, type DemoCustomer } from "./customers";
import { goodLines } from "./lines";
import type { DemoOrder } from "./orders";
import { cents } from "./plan";
import { createRandom } from "./random";

export const DEMO_ACTIVITY_USER = "demo-activity";

export interface DemoActivityOptions {
  /** Pause between two steps (one command or a payment's two); default 3000. */
  readonly intervalMs?: number;
  readonly log?: Log;
  /** Open orders of the loaded data set to move forward too (`DemoSummary.openOrders`). */
  readonly openOrders?: readonly DemoOrder[];
  /** Default: the clock; live activity need not repeat, only the load must. */
  readonly seed?: number;
  readonly clock?: () => Date;
}

export interface DemoActivity {
  /** No step starts after this; resolves when the step in hand has finished. */
  stop(): Promise<void>;
}

interface LiveOrder {
  readonly orderId: string;
  readonly customer: DemoCustomer;
  readonly currency: string;
  readonly total: number;
  status: OrderStatus;
}

/**
 * A gentle stream of new facts so live views have something to show: a new order now and then,
 * open orders paid, shipped and delivered, an occasional cancellation, refund, deposit or restock.
 * Steps run one at a time (a timer is set only after a step ends), through the command path.
 *
 * Which orders are open is a hint (the load's plan, then what this loop did): the order's stream
 * is the authority, so a step refused by the domain (another process moved the order first)
 * only drops the order from the hint.
 */
export function startDemoActivity(commands: CommandRuntime, options: DemoActivityOptions = {}): DemoActivity {
  const intervalMs = options.intervalMs ?? 3000;
  const log = options.log ?? silentLog;
  const clock = options.clock ?? (() => new Date());
  const random = createRandom(options.seed ?? clock().getTime());
  const runId = clock().getTime().toString(36);
  const open = new Map<string, LiveOrder>();
  for (const order of options.openOrders ?? []) {
    const customer = findCustomer(order.customerId);
    if (customer) open.set(order.orderId, { ...order, customer });
  }
  const openAccounts = demoAccounts().filter((candidate) => !candidate.closed);
  let placed = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inHand: Promise<void> = Promise.resolve();

  const context = (correlationId: string): CommandContext => ({
    now: clock(),
    userId: DEMO_ACTIVITY_USER,
    correlationId,
  });
  // The order's stock is settled at once (as a worker would shortly), so the next move finds it.
  const order = async (command: OrderCommand) => {
    const result = await commands.execute(orderAggregate, command.orderId, command, context(command.orderId));
    await settleProcesses(commands, result, clock());
    return result;
  };
  const account = (command: AccountCommand, correlationId: string) =>
    commands.execute(accountAggregate, command.accountId, command, context(correlationId));
  const product = (command: ProductCommand) =>
    commands.execute(productAggregate, command.productId, command, context("demo-activity-restock"));
  const at = () => clock().toISOString();

  async function placeOrder(): Promise<void> {
    placed += 1;
    const orderId = `order-live-${runId}-${String(placed).padStart(4, "0")}`;
    const customer = random.pick(demoCustomers);
    const { currency, address } = customer;
    const nowMs = clock().getTime();
    const lines = goodLines(random, currency, nowMs, nowMs);
    const priced = priceOrder(lines, currency, address.region);
    await order({
      type: "PlaceOrder",
      orderId,
      customerId: customer.id,
      currency,
      lines,
      shippingAddress: address,
      at: at(),
    });
    if (isRejection(priced)) return;
    const placedOrder = foldStored(orderAggregate, await commands.log.readStream(orderStreamId(orderId)));
    if (placedOrder.status !== "awaiting_payment") {
      log.info({ orderId, status: placedOrder.status }, "demo activity: order not taken (out of stock)");
      return;
    }
    open.set(orderId, { orderId, customer, currency, total: priced.total, status: "awaiting_payment" });
    log.info(
      { orderId, customerId: customer.id, total: priced.total, currency },
      "demo activity: order placed",
    );
  }

  /** Withdraws from the customer's account (topped up if it runs short), then confirms the payment. */
  async function pay(live: LiveOrder): Promise<void> {
    const { accountId } = live.customer;
    const withdrawal: AccountCommand = {
      type: "WithdrawMoney",
      accountId,
      withdrawalId: `pay-${live.orderId}`,
      amount: live.total,
      currency: live.currency,
      at: at(),
    };
    try {
      await account(withdrawal, live.orderId);
    } catch (error) {
      if (!(error instanceof InsufficientFunds)) throw error;
      const amount = Math.ceil((live.total - error.balance) / 10_000) * 10_000 + 10_000;
      await account(
        { type: "DepositMoney", accountId, amount, currency: live.currency, at: at() },
        live.orderId,
      );
      await account({ ...withdrawal, at: at() }, live.orderId);
    }
    await order({
      type: "ConfirmPayment",
      orderId: live.orderId,
      amount: live.total,
      currency: live.currency,
      paymentReference: `pay-${live.orderId}`,
      at: at(),
    });
  }

  async function sendBack(live: LiveOrder): Promise<void> {
    const { accountId } = live.customer;
    await account(
      { type: "DepositMoney", accountId, amount: live.total, currency: live.currency, at: at() },
      live.orderId,
    );
  }

  async function advance(live: LiveOrder): Promise<void> {
    const { orderId } = live;
    const before = live.status;
    switch (live.status) {
      case "awaiting_payment":
        if (random.chance(0.15)) {
          await order({ type: "CancelOrder", orderId, reason: "Changed my mind", at: at() });
          live.status = "cancelled";
        } else {
          await pay(live);
          live.status = "paid";
        }
        break;
      case "paid":
        if (random.chance(0.08)) {
          await order({ type: "CancelOrder", orderId, reason: "Ordered by mistake", at: at() });
          await sendBack(live);
          live.status = "cancelled";
        } else {
          const trackingNumber = `1ZLL${String(random.int(0, 99_999_999)).padStart(8, "0")}`;
          await order({ type: "ShipOrder", orderId, trackingNumber, at: at() });
          live.status = "shipped";
        }
        break;
      case "shipped":
        await order({ type: "DeliverOrder", orderId, at: at() });
        live.status = "delivered";
        break;
      case "delivered":
        // Most delivered orders are done; a few come back.
        if (random.chance(0.12)) {
          await order({ type: "RequestRefund", orderId, reason: "Arrived damaged", at: at() });
          live.status = "refund_requested";
        } else {
          open.delete(orderId);
          return;
        }
        break;
      case "refund_requested":
        await order({ type: "IssueRefund", orderId, at: at() });
        await sendBack(live);
        live.status = "refunded";
        break;
      default:
        open.delete(orderId);
        return;
    }
    if (live.status === "cancelled" || live.status === "refunded") open.delete(orderId);
    log.info({ orderId, from: before, to: live.status }, "demo activity: order moved");
  }

  async function step(): Promise<void> {
    const roll = random.next();
    if (roll < 0.3 || open.size === 0) return placeOrder();
    if (roll < 0.88) {
      const live = random.pick([...open.values()]);
      try {
        return await advance(live);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        open.delete(live.orderId);
        log.info(
          { orderId: live.orderId, code: error.code },
          "demo activity: order moved elsewhere; left alone",
        );
        return;
      }
    }
    if (roll < 0.96) {
      const { accountId, currency } = random.pick(openAccounts);
      const amount = cents(random.int(20, 400));
      await account(
        { type: "DepositMoney", accountId, amount, currency, at: at() },
        `demo-activity-${runId}`,
      );
      log.info({ accountId, amount, currency }, "demo activity: deposit");
      return;
    }
    const item = random.pick(demoProducts.filter(onSaleToday));
    await product({ type: "RestockProduct", productId: item.id, quantity: item.reorder, at: at() });
    log.info({ productId: item.id, quantity: item.reorder }, "demo activity: restock");
  }

  const tick = () => {
    inHand = step()
      .catch((error: unknown) => log.warn({ err: error }, "demo activity: a step failed; carrying on"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  log.info({ intervalMs, openOrders: open.size }, "demo activity started");

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inHand;
      log.info({ placed }, "demo activity stopped");
    },
  };
}
