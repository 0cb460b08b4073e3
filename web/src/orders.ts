import type { Api } from "./client";
import { el, panel } from "./dom";

interface Order {
  id: string;
  status: string;
  customerId: string;
  itemCount: number;
  total: { amount: string; currency: string } | null;
  updatedAt: string;
  /** The order's stream revision this view reflects: a push older than the card is ignored. */
  revision: number;
  /** Where in the log this view of the order stands ("commit:prepare"). */
  position: string;
  rejectionReason: string | null;
  /** Says which products were short, for an order rejected out of stock. */
  rejectionDetail: string | null;
}

const fields =
  "id status customerId itemCount total { amount currency } updatedAt revision position rejectionReason rejectionDetail";

/** The columns, in the order an order moves through them. */
const columns = [
  ["AWAITING_STOCK", "waiting for stock"],
  ["AWAITING_PAYMENT", "awaiting payment"],
  ["PAID", "paid"],
  ["SHIPPED", "shipped"],
  ["DELIVERED", "delivered"],
  ["REFUND_REQUESTED", "refund requested"],
  ["REFUNDED", "refunded"],
  ["CANCELLED", "cancelled"],
  ["REJECTED", "rejected"],
] as const;

/** Cards shown per column (the count says how many there are). */
const shown = 25;

/**
 * The order board: the orders changed last, in columns by status, each card moving to its new
 * column as the order changes (one live feed of every order's changes).
 */
export function orderBoard(api: Api): HTMLElement {
  const { root, body } = panel("orders", "Orders");
  root.classList.add("wide");
  const lists = new Map<string, { list: HTMLOListElement; count: HTMLElement }>();
  const board = el("div", { class: "board" });
  for (const [status, label] of columns) {
    const list = el("ol", { class: "cards" });
    const count = el("span", { class: "count" }, "0");
    lists.set(status, { list, count });
    board.append(
      el("div", { class: "column", "data-status": status }, el("h3", {}, label, " ", count), list),
    );
  }
  body.append(board);
  const orders = new Map<string, Order>();

  const card = (order: Order) =>
    el(
      "li",
      { class: "card", "data-order": order.id, title: order.rejectionDetail ?? order.rejectionReason ?? "" },
      el("strong", {}, order.id),
      el("span", {}, order.customerId),
      el("span", { class: "number" }, order.total ? `${order.total.amount} ${order.total.currency}` : ""),
    );

  const redraw = (status: string) => {
    const column = lists.get(status);
    if (!column) return;
    const inColumn = [...orders.values()]
      .filter((o) => o.status === status)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    column.count.textContent = String(inColumn.length);
    column.list.replaceChildren(...inColumn.slice(0, shown).map(card));
  };

  const place = (order: Order) => {
    // After a reconnect the changes missed come first, then the live ones; a change this card
    // already shows (or an older one) must not move it back.
    const held = orders.get(order.id);
    if (held && held.revision >= order.revision) return;
    const before = held?.status;
    orders.set(order.id, order);
    redraw(order.status);
    if (before && before !== order.status) redraw(before);
  };

  void api.request<{ recentOrders: Order[] }>(`{ recentOrders(first: 300) { ${fields} } }`).then((answer) => {
    const recent = answer.data?.recentOrders ?? [];
    for (const order of recent) orders.set(order.id, order);
    for (const [status] of columns) redraw(status);
    // The feed starts after the newest change the board already shows: should the connection drop
    // before its first push, the view resumes from there, not from "now" (which would skip the
    // changes in between).
    const newest = recent.map((order) => order.position).reduce<string | null>(later, null);
    api.live<{ ordersUpdated: { position: string; order: Order } }>(
      `subscription($since: Position) { ordersUpdated(since: $since) { position order { ${fields} } } }`,
      newest ? { since: newest } : {},
      ({ ordersUpdated }) => place(ordersUpdated.order),
      (data) => data.ordersUpdated.position,
    );
  });
  return root;
}

/** The later of two log positions ("commit:prepare", compared as numbers). */
function later(a: string | null, b: string): string {
  if (a === null) return b;
  const [ac, ap] = a.split(":").map(BigInt) as [bigint, bigint];
  const [bc, bp] = b.split(":").map(BigInt) as [bigint, bigint];
  return bc > ac || (bc === ac && bp > ap) ? b : a;
}
