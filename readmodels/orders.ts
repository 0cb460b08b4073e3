import type { Redis } from "ioredis";
import type { ReadModelKeys } from "./keys";
import { fieldsToObject, positionOfEntry, readViewHistory, type ViewChange } from "./view-history";
import { readHashes } from "./hashes";

/** Changes kept per order (and per customer) for subscribers that reconnect with `since`. */
export const orderHistoryLength = 100;

export type OrderStatus =
  | "awaiting_payment"
  | "rejected"
  | "paid"
  | "shipped"
  | "delivered"
  | "cancelled"
  | "refund_requested"
  | "refunded";

export interface OrderView {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly currency: string | null;
  readonly subtotal: number | null;
  readonly tax: number | null;
  readonly total: number | null;
  readonly itemCount: number;
  readonly lines: { productId: string; sku: string | null; quantity: number; unitPrice: number }[];
  readonly address: { line1: string; city: string; postalCode: string; country: string } | null;
  readonly region: string | null;
  readonly trackingNumber: string | null;
  readonly paymentReference: string | null;
  readonly rejectionReason: string | null;
  readonly cancelReason: string | null;
  readonly refundReason: string | null;
  readonly refundDenialReason: string | null;
  readonly steps: Readonly<Record<OrderStep, string | null>>;
  readonly revision: number;
  readonly position: string;
  readonly updatedAt: string;
}

export const orderSteps = [
  "placedAt",
  "rejectedAt",
  "paidAt",
  "lastPaymentDeclinedAt",
  "shippedAt",
  "deliveredAt",
  "cancelledAt",
  "refundRequestedAt",
  "refundDeniedAt",
  "refundedAt",
] as const;
export type OrderStep = (typeof orderSteps)[number];

const numberOrNull = (value: string | undefined) =>
  value === undefined || value === "" ? null : Number(value);

export function orderFromHash(orderId: string, h: Record<string, string>): OrderView | null {
  if (!h.status) return null;
  const steps = Object.fromEntries(orderSteps.map((step) => [step, h[step] || null])) as Record<
    OrderStep,
    string | null
  >;
  return {
    orderId,
    customerId: h.customerId ?? "",
    status: h.status as OrderStatus,
    currency: h.currency || null,
    subtotal: numberOrNull(h.subtotal),
    tax: numberOrNull(h.tax),
    total: numberOrNull(h.total),
    itemCount: Number(h.itemCount ?? 0),
    lines: h.lines ? (JSON.parse(h.lines) as OrderView["lines"]) : [],
    address:
      h.line1 !== undefined
        ? { line1: h.line1, city: h.city ?? "", postalCode: h.postalCode ?? "", country: h.country ?? "" }
        : null,
    region: h.region || null,
    trackingNumber: h.trackingNumber || null,
    paymentReference: h.paymentReference || null,
    rejectionReason: h.rejectionReason || null,
    cancelReason: h.cancelReason || null,
    refundReason: h.refundReason || null,
    refundDenialReason: h.refundDenialReason || null,
    steps,
    revision: Number(h.revision ?? -1),
    position: h.position ?? "",
    updatedAt: h.updatedAt ?? "",
  };
}

/** A page of a sorted index, newest first, by offset. */
export interface IdPage {
  readonly ids: string[];
  readonly offset: number;
  readonly total: number;
}

export class OrderReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ReadModelKeys,
  ) {}

  async get(orderId: string): Promise<OrderView | null> {
    return orderFromHash(orderId, await this.redis.hgetall(this.keys.order(orderId)));
  }

  /** Many orders in one round trip (pipelined), in the order asked; missing ones dropped. */
  async getMany(orderIds: readonly string[]): Promise<OrderView[]> {
    const hashes = await readHashes(this.redis, orderIds.map(this.keys.order));
    return orderIds.flatMap((id, i) => orderFromHash(id, hashes[i]!) ?? []);
  }

  /** A customer's orders, newest first. */
  byCustomer(customerId: string, offset: number, limit: number): Promise<IdPage> {
    return this.page(this.keys.customerOrders(customerId), offset, limit);
  }

  /** Orders shipped to a region, newest first. */
  byRegion(region: string, offset: number, limit: number): Promise<IdPage> {
    return this.page(this.keys.regionOrders(region), offset, limit);
  }

  /** Regions with their order counts, busiest first. */
  async regions(): Promise<{ region: string; orders: number }[]> {
    const flat = await this.redis.zrevrange(this.keys.regions(), 0, -1, "WITHSCORES");
    const out: { region: string; orders: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ region: flat[i]!, orders: Number(flat[i + 1]) });
    return out;
  }

  orderChangesSince(
    orderId: string,
    since: string,
  ): Promise<{ changes: ViewChange<OrderView>[]; complete: boolean }> {
    return readViewHistory(this.redis, this.keys.orderHistory(orderId), since, orderHistoryLength, (hash) =>
      orderFromHash(orderId, hash),
    );
  }

  customerChangesSince(
    customerId: string,
    since: string,
  ): Promise<{ changes: ViewChange<OrderView>[]; complete: boolean }> {
    return readViewHistory(
      this.redis,
      this.keys.customerOrderHistory(customerId),
      since,
      orderHistoryLength,
      (hash) => (hash.orderId ? orderFromHash(hash.orderId, hash) : null),
    );
  }

  /** The newest change of any of a customer's orders (the order after it), read once. */
  async latestCustomerChange(customerId: string): Promise<ViewChange<OrderView> | null> {
    const [last] = await this.redis.xrevrange(
      this.keys.customerOrderHistory(customerId),
      "+",
      "-",
      "COUNT",
      1,
    );
    if (!last) return null;
    const hash = JSON.parse(fieldsToObject(last[1]).view ?? "{}") as Record<string, string>;
    const view = hash.orderId ? orderFromHash(hash.orderId, hash) : null;
    return view && { position: positionOfEntry(last[0]), view };
  }

  private async page(key: string, offset: number, limit: number): Promise<IdPage> {
    const [ids, total] = await Promise.all([
      this.redis.zrevrange(key, offset, offset + limit - 1),
      this.redis.zcard(key),
    ]);
    return { ids, offset, total };
  }
}
