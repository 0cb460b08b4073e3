import { GraphQLError } from "graphql";
import type { CommandResult } from "../commands/result";
import { orderStreamPrefix } from "../domain/ordering/state";
import { productStreamPrefix } from "../domain/catalog/state";
import { comparePositions, parsePosition } from "../eventstore/position";
import { AccountRef } from "../schema/account";
import { builder } from "../schema/builder";
import type { GraphQLContext } from "../schema/context";
import { OrderRef } from "../schema/order";
import { transferStreamPrefix } from "../domain/transfers/state";
import { TransferRef } from "./transfers";
import { ProductRef } from "../schema/product";
import { AccountChangeRef } from "./account-mutations";
import { ChangeRef } from "./change-payload";
import { timeoutArg, waitFor } from "./waiting";

/**
 * "Return the projected view itself": each mutation payload can select the view it changed. The
 * field waits (bounded) until the view reflects this change, by the aggregate's revision (the
 * view's own duplicate guard), or by position for the inventory view, which has none.
 */
const timeoutArgument = {
  description: "How long to wait for the view to catch up (ms, ≤ 30000); then VIEW_NOT_READY.",
} as const;

function notReady(kind: string, change: CommandResult, timeoutMs: number) {
  return () =>
    new GraphQLError(
      `The ${kind} view did not reflect this change (revision ${change.revision}, position ${change.position}) ` +
        `within ${timeoutMs} ms. The change is stored; read it again later.`,
      { extensions: { code: "VIEW_NOT_READY", position: change.position, revision: change.revision } },
    );
}

/** Waits for `read` to give a view for which `reflects` holds; nothing was written: the view as it is. */
async function viewAfter<T>(
  change: CommandResult,
  kind: string,
  timeoutMs: number,
  read: () => Promise<T | null>,
  reflects: (view: T) => boolean,
): Promise<T | null> {
  if (change.position === null) return read();
  return waitFor(
    async () => {
      const view = await read();
      return view && reflects(view) ? view : null;
    },
    timeoutMs,
    notReady(kind, change, timeoutMs),
  );
}

builder.objectField(AccountChangeRef, "account", (t) =>
  t.field({
    type: AccountRef,
    nullable: true,
    description: "The account view including this change (waits for the projection, bounded by `timeoutMs`).",
    args: { timeoutMs: t.arg.int({ required: false, defaultValue: 5000, ...timeoutArgument }) },
    resolve: (change, args, ctx: GraphQLContext) =>
      viewAfter(
        change,
        "account",
        timeoutArg(args.timeoutMs),
        () => ctx.services.views.accounts.get(change.aggregateId),
        (view) => view.revision >= change.revision,
      ),
  }),
);

builder.objectFields(ChangeRef, (t) => ({
  order: t.field({
    type: OrderRef,
    nullable: true,
    description:
      "For an order command: the order view including this change (waits, bounded by `timeoutMs`); otherwise null. " +
      "With `stockAnswered`, a placed order is returned once the order process has answered: every line held " +
      "(AWAITING_PAYMENT) or rejected out of stock (REJECTED, with `stockShortages`).",
    args: {
      timeoutMs: t.arg.int({ required: false, defaultValue: 5000, ...timeoutArgument }),
      stockAnswered: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: "Also wait until the order is no longer AWAITING_STOCK.",
      }),
    },
    resolve: (change, args, ctx) =>
      change.streamId.startsWith(orderStreamPrefix)
        ? viewAfter(
            change,
            "order",
            timeoutArg(args.timeoutMs),
            () => ctx.services.views.orders.get(change.aggregateId),
            (view) =>
              view.revision >= change.revision && !(args.stockAnswered && view.status === "awaiting_stock"),
          )
        : null,
  }),
  transfer: t.field({
    type: TransferRef,
    nullable: true,
    description:
      "For a transfer: the transfer view including this change (waits, bounded by `timeoutMs`); otherwise null. " +
      "With `settled`, once the transfer process has finished it: COMPLETED, FAILED or COMPENSATED.",
    args: {
      timeoutMs: t.arg.int({ required: false, defaultValue: 5000, ...timeoutArgument }),
      settled: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: "Also wait until the transfer is no longer PENDING.",
      }),
    },
    resolve: (change, args, ctx) =>
      change.streamId.startsWith(transferStreamPrefix)
        ? viewAfter(
            change,
            "transfer",
            timeoutArg(args.timeoutMs),
            () => ctx.services.views.transfers.get(change.aggregateId),
            (view) => view.revision >= change.revision && !(args.settled && view.status === "pending"),
          )
        : null,
  }),
  product: t.field({
    type: ProductRef,
    nullable: true,
    description:
      "For a catalog command: the product view including this change (waits, bounded by `timeoutMs`); otherwise null.",
    args: { timeoutMs: t.arg.int({ required: false, defaultValue: 5000, ...timeoutArgument }) },
    resolve: (change, args, ctx) =>
      change.streamId.startsWith(productStreamPrefix)
        ? viewAfter(
            change,
            "product",
            timeoutArg(args.timeoutMs),
            () => ctx.services.views.inventory.get(change.aggregateId),
            (view) =>
              view.position !== "" &&
              comparePositions(parsePosition(view.position), parsePosition(change.position!)) >= 0,
          )
        : null,
  }),
}));
