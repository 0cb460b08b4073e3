import { ServiceUnavailable } from "../commands/errors";
import { productStreamId } from "../domain/catalog/state";
import type { OrderCommand, OrderLineInput } from "../domain/ordering/commands";
import { ValidationError } from "../domain/shared/errors";
import { parsePositiveAmount } from "../domain/shared/money";
import { builder } from "../schema/builder";
import type { GraphQLContext } from "../schema/context";
import { commandErrors } from "../schema/errors";
import { MoneyInput } from "../schema/money";
import { OrderAlreadyExists, orderErrors } from "../schema/ordering-errors";
import { ChangeRef, idempotencyKeyField } from "./change-payload";
import { orderAggregateFor } from "./access";
import { commandContext, commandResolver } from "./command-context";

function run(ctx: GraphQLContext, orderId: string, command: OrderCommand, input: Record<string, unknown>) {
  const aggregate = orderAggregateFor(ctx, orderId, command.type === "PlaceOrder");
  return ctx.services.commands.execute(aggregate, orderId, command, commandContext(ctx, input));
}

/** Steps a customer may take on their own orders; the rest are staff operations. */
const customerOrStaff = { customer: true, staff: true } as const;
const staffOnly = { staff: true } as const;

const OrderLineInputRef = builder.inputType("OrderLineInput", {
  fields: (t) => ({
    productId: t.id({ required: true }),
    quantity: t.int({ required: true }),
  }),
});

const AddressInput = builder.inputType("AddressInput", {
  fields: (t) => ({
    line1: t.string({ required: true }),
    city: t.string({ required: true }),
    postalCode: t.string({ required: true }),
    country: t.string({ required: true }),
    region: t.string({ required: true, description: 'Tax region, e.g. "US-CA", "DE", "GB".' }),
  }),
});

const PlaceOrderInput = builder.inputType("PlaceOrderInput", {
  fields: (t) => ({
    orderId: t.id({ required: false, description: "Optional: choose the id; by default one is generated." }),
    customerId: t.id({ required: true }),
    currency: t.string({ required: true }),
    lines: t.field({ type: [OrderLineInputRef], required: true }),
    shippingAddress: t.field({ type: AddressInput, required: true }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

/**
 * Prices each line from the catalog as the inventory view holds it: the command arrives enriched,
 * so the decider never reads a read model. A product the view does not know is refused here.
 */
async function pricedLines(
  ctx: GraphQLContext,
  lines: readonly { productId: string | number; quantity: number }[],
) {
  const ids = lines.map((line) => String(line.productId));
  const products = new Map((await ctx.services.views.inventory.getMany(ids)).map((p) => [p.productId, p]));
  const unpriced = ids.findIndex((id) => {
    const product = products.get(id);
    return !product || product.price === null || product.currency === null;
  });
  if (unpriced >= 0) await refuseUnpriced(ctx, ids[unpriced]!, `lines[${unpriced}].productId`);
  return lines.map((line, i): OrderLineInput => {
    const product = products.get(ids[i]!)!;
    if (product.status === "discontinued") {
      throw new ValidationError(`lines[${i}].productId`, `Product ${ids[i]} is discontinued`);
    }
    return {
      productId: product.productId,
      ...(product.sku !== null && { sku: product.sku }),
      quantity: line.quantity,
      unitPrice: product.price!,
      currency: product.currency!,
    };
  });
}

/**
 * A product the catalog view does not price is either unknown (the order can never be valid) or
 * not projected yet (the view is catching up or being rebuilt, say after Redis restarted empty):
 * the log tells which, and the second is a passing condition the client should retry.
 */
async function refuseUnpriced(ctx: GraphQLContext, productId: string, field: string): Promise<never> {
  const [added] = await ctx.services.eventLog.readStream(productStreamId(productId), { maxCount: 1 });
  if (added) {
    throw new ServiceUnavailable(
      `The catalog view does not hold product ${productId} yet (it is catching up or being rebuilt); retry shortly`,
      "VIEW_NOT_READY",
      2,
    );
  }
  throw new ValidationError(field, `Product ${productId} is not in the catalog`);
}

builder.mutationField("placeOrder", (t) =>
  t.field({
    type: ChangeRef,
    description:
      "Places an order priced from the catalog. A bad order is recorded as OrderRejected (see `events`). " +
      "Customers place orders for themselves (customerId = their user id); staff for anyone.",
    authScopes: (_root, { input }) => ({
      staff: true,
      $all: { customer: true, self: String(input.customerId) },
    }),
    errors: { types: [...commandErrors, OrderAlreadyExists] },
    args: { input: t.arg({ type: PlaceOrderInput, required: true }) },
    resolve: commandResolver("PlaceOrder", async (_root, { input }, ctx) => {
      const orderId = input.orderId ? String(input.orderId) : ctx.services.newId();
      const customerId = String(input.customerId);
      return run(
        ctx,
        orderId,
        {
          type: "PlaceOrder",
          orderId,
          customerId,
          currency: input.currency,
          lines: await pricedLines(ctx, input.lines),
          shippingAddress: input.shippingAddress,
          at: ctx.services.clock().toISOString(),
        },
        input,
      );
    }),
  }),
);

function orderStep<Fields extends Record<string, unknown>, Type extends OrderCommand["type"]>(
  name: string,
  commandType: Type,
  inputName: string,
  description: string,
  authScopes: typeof customerOrStaff | typeof staffOnly,
  fields: (t: PothosInputFieldBuilder) => Fields,
  command: (
    orderId: string,
    input: Record<string, unknown>,
    at: string,
  ) => Extract<OrderCommand, { type: Type }>,
) {
  const Input = builder.inputType(inputName, {
    fields: (t) => ({
      orderId: t.id({ required: true }),
      ...(fields(t) as object),
      idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
    }),
  });
  builder.mutationField(name, (t) =>
    t.field({
      type: ChangeRef,
      description,
      authScopes,
      errors: { types: [...commandErrors, ...orderErrors] },
      args: { input: t.arg({ type: Input, required: true }) },
      resolve: commandResolver(commandType, (_root, { input }, ctx) => {
        const values = input as Record<string, unknown> & { orderId: string | number };
        const orderId = String(values.orderId);
        return run(ctx, orderId, command(orderId, values, ctx.services.clock().toISOString()), values);
      }),
    }),
  );
}

type PothosInputFieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]["fields"]>[0];

orderStep(
  "confirmPayment",
  "ConfirmPayment",
  "ConfirmPaymentInput",
  "Staff: records a payment; an amount that differs from the total is recorded as PaymentDeclined.",
  staffOnly,
  (t) => ({
    amount: t.field({ type: MoneyInput, required: true }),
    paymentReference: t.string({ required: true }),
  }),
  (orderId, input, at) => {
    const amount = input.amount as { amount: string; currency: string };
    return {
      type: "ConfirmPayment",
      orderId,
      amount: parsePositiveAmount(amount.amount, amount.currency),
      currency: amount.currency,
      paymentReference: String(input.paymentReference),
      at,
    };
  },
);
orderStep(
  "shipOrder",
  "ShipOrder",
  "ShipOrderInput",
  "Staff: ships a paid order.",
  staffOnly,
  (t) => ({ trackingNumber: t.string({ required: true }) }),
  (orderId, input, at) => ({ type: "ShipOrder", orderId, trackingNumber: String(input.trackingNumber), at }),
);
orderStep(
  "deliverOrder",
  "DeliverOrder",
  "DeliverOrderInput",
  "Staff: marks a shipped order delivered.",
  staffOnly,
  () => ({}),
  (orderId, _input, at) => ({ type: "DeliverOrder", orderId, at }),
);
orderStep(
  "cancelOrder",
  "CancelOrder",
  "CancelOrderInput",
  "Cancels an order that has not shipped (a customer, their own).",
  customerOrStaff,
  (t) => ({ reason: t.string({ required: true }) }),
  (orderId, input, at) => ({ type: "CancelOrder", orderId, reason: String(input.reason), at }),
);
orderStep(
  "requestRefund",
  "RequestRefund",
  "RequestRefundInput",
  "Asks for a refund (a customer, on their own order); outside the rules it is recorded as RefundDenied (see `events`).",
  customerOrStaff,
  (t) => ({ reason: t.string({ required: true }) }),
  (orderId, input, at) => ({ type: "RequestRefund", orderId, reason: String(input.reason), at }),
);
orderStep(
  "issueRefund",
  "IssueRefund",
  "IssueRefundInput",
  "Staff: pays back a requested refund.",
  staffOnly,
  () => ({}),
  (orderId, _input, at) => ({ type: "IssueRefund", orderId, at }),
);
