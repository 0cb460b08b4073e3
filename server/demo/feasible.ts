import type { OrderLineInput } from "../../domain/ordering/commands";
import { isRejection, priceOrder } from "../../domain/ordering/pricing";
import { deposit } from "./banking";
import { findProduct } from "./catalog";
import { MINUTE, iso, productStep, type DemoStep } from "./plan";

/**
 * Walks the plan in time order, as the store will see it, and inserts what real life would have
 * done first: a restock before an order that would take more than is available (unless the
 * product is never restocked, see the flash sale), a top-up before
 * a withdrawal the balance cannot cover (the decider refuses an overdraft). Generating orders and
 * payments independently and fixing them up here keeps each generator simple.
 */
export function makeFeasible(steps: readonly DemoStep[]): DemoStep[] {
  const out: DemoStep[] = [];
  const stock = new Map<string, number>();
  const balance = new Map<string, number>();
  const withdrawals = new Map<string, number>();
  const closed = new Set<string>();
  const placedLines = new Map<string, readonly OrderLineInput[]>();
  const lastAt = new Map<string, number>();
  // Just before the step that needs it, yet never before the aggregate's previous step.
  const justBefore = (key: string, atMs: number) => Math.max(lastAt.get(key) ?? 0, atMs - MINUTE);
  // What the account holds once it can pay `amount` at `atMs`: a round top-up with some room,
  // just before, when it is short (like a transfer a person would make).
  const covered = (accountId: string, currency: string, amount: number, atMs: number): number => {
    const held = balance.get(accountId) ?? 0;
    if (held >= amount) return held;
    const topUp = Math.ceil((amount - held) / 10_000) * 10_000 + 10_000;
    out.push(deposit(accountId, currency, topUp, justBefore(`account-${accountId}`, atMs), "demo-top-up"));
    return held + topUp;
  };

  for (const step of steps) {
    if (step.kind === "product") {
      const { command } = step;
      if (command.type === "AddProduct") stock.set(command.productId, command.initialStock);
      if (command.type === "RestockProduct")
        stock.set(command.productId, (stock.get(command.productId) ?? 0) + command.quantity);
    } else if (step.kind === "order") {
      const { command } = step;
      if (
        command.type === "PlaceOrder" &&
        !isRejection(priceOrder(command.lines, command.currency, command.shippingAddress.region))
      ) {
        for (const { productId, quantity } of command.lines) {
          const available = stock.get(productId) ?? 0;
          const reorder = findProduct(productId)?.reorder ?? quantity;
          if (available < quantity && reorder > 0) {
            const restock = reorder + quantity - available;
            const at = justBefore(`product-${productId}`, step.atMs);
            out.push(
              productStep(
                { type: "RestockProduct", productId, quantity: restock, at: iso(at) },
                "demo-restock",
              ),
            );
            stock.set(productId, available + restock);
          }
        }
        // A product that is never restocked may still be short: the order process will reject
        // the order and hold nothing, as the products will answer.
        const short = command.lines.some(({ productId, quantity }) => (stock.get(productId) ?? 0) < quantity);
        if (!short) {
          placedLines.set(command.orderId, command.lines);
          for (const { productId, quantity } of command.lines) {
            stock.set(productId, stock.get(productId)! - quantity);
          }
        }
      }
      if (command.type === "CancelOrder") {
        for (const { productId, quantity } of placedLines.get(command.orderId) ?? []) {
          stock.set(productId, (stock.get(productId) ?? 0) + quantity);
        }
      }
    } else if (step.kind === "transfer") {
      const { command } = step;
      if (command.type === "RequestTransfer") {
        // The source pays out first (topped up if it runs short); the destination takes it in
        // unless it is closed, when the debit comes back (the transfer is compensated).
        const { fromAccountId, toAccountId, amount, currency } = command;
        balance.set(fromAccountId, covered(fromAccountId, currency, amount, step.atMs));
        if (!closed.has(toAccountId)) {
          balance.set(fromAccountId, balance.get(fromAccountId)! - amount);
          balance.set(toAccountId, (balance.get(toAccountId) ?? 0) + amount);
        }
      }
    } else {
      const { command } = step;
      if (command.type === "CloseAccount") closed.add(command.accountId);
      const held = balance.get(command.accountId) ?? 0;
      if (command.type === "DepositMoney") balance.set(command.accountId, held + command.amount);
      if (command.type === "ReverseWithdrawal") {
        balance.set(
          command.accountId,
          held + (withdrawals.get(`${command.accountId}/${command.withdrawalId}`) ?? 0),
        );
      }
      if (command.type === "WithdrawMoney") {
        const { accountId, currency, amount } = command;
        balance.set(accountId, covered(accountId, currency, amount, step.atMs) - amount);
        withdrawals.set(`${command.accountId}/${command.withdrawalId}`, command.amount);
      }
    }
    lastAt.set(`${step.kind}-${step.id}`, step.atMs);
    out.push(step);
  }
  return out;
}
