import { hashCodec, integer, optionalText, text } from "../codec";

export const revenueName = "revenue";

export const revenueHistoryLength = 100;

/** Revenue figures of one currency, in total or for one day, as stored. Amounts in minor units. */
export interface StoredRevenue {
  readonly currency: string;
  /** The UTC day (YYYY-MM-DD) of a day's figures; null for the total. */
  readonly day: string | null;
  /** Confirmed payments. */
  readonly revenue: number;
  /** Orders paid. */
  readonly orders: number;
  /** Refunds issued, and payments returned on cancellation. */
  readonly refunds: number;
  readonly refundCount: number;
  /**
   * Tax owed on what was kept: the tax in confirmed payments, less the tax in refunds, moved by
   * retroactive corrections (on the day the order was paid). Net revenue is revenue - refunds - tax.
   */
  readonly tax: number;
  readonly position: string | null;
  readonly updatedAt: string;
}

export type RevenueView = Omit<StoredRevenue, "updatedAt">;

export const revenueLayout = hashCodec<StoredRevenue>({
  currency: text,
  day: optionalText,
  revenue: integer(),
  orders: integer(),
  refunds: integer(),
  refundCount: integer(),
  tax: integer(),
  position: optionalText,
  updatedAt: text,
});

export function revenueFromHash(currency: string, hash: Readonly<Record<string, string>>): RevenueView {
  const { updatedAt: _updatedAt, ...figures } = revenueLayout.decode(hash);
  return { ...figures, currency };
}
