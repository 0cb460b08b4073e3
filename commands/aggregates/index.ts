import type { AggregateType } from "../aggregate";
import { accountAggregate } from "./account";
import { orderAggregate } from "./order";
import { productAggregate } from "./product";
import { transferAggregate } from "./transfer";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one table for aggregates of different shapes
export type AnyAggregate = AggregateType<any, any, any>;

/** Every aggregate type, by kind. */
export const aggregates = {
  ACCOUNT: accountAggregate,
  ORDER: orderAggregate,
  PRODUCT: productAggregate,
  TRANSFER: transferAggregate,
} as const;
export type AggregateKind = keyof typeof aggregates;

/** The kind of aggregate a stream belongs to (by its stream-id prefix), or null. */
export function kindOfStream(streamId: string): AggregateKind | null {
  for (const [kind, aggregate] of Object.entries(aggregates) as [AggregateKind, AnyAggregate][]) {
    if (streamId.startsWith(aggregate.streamId(""))) return kind;
  }
  return null;
}
