import { productAggregate } from "../commands/aggregates/product";
import type { ProductCommand } from "../domain/catalog/commands";
import { ValidationError } from "../domain/shared/errors";
import { parsePositiveAmount } from "../domain/shared/money";
import { builder } from "../schema/builder";
import type { GraphQLContext } from "../schema/context";
import { commandErrors } from "../schema/errors";
import { MoneyInput } from "../schema/money";
import { ProductAlreadyExists, productErrors } from "../schema/ordering-errors";
import { ChangeRef, idempotencyKeyField } from "./change-payload";
import { commandContext, commandResolver } from "./command-context";

function run(
  ctx: GraphQLContext,
  productId: string,
  command: ProductCommand,
  input: Record<string, unknown>,
) {
  return ctx.services.commands.execute(productAggregate, productId, command, commandContext(ctx, input));
}

function wholeUnits(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new ValidationError(field, `${field} must be a whole number ≥ 0`);
  return value;
}

const AddProductInput = builder.inputType("AddProductInput", {
  fields: (t) => ({
    productId: t.id({
      required: false,
      description: "Optional: choose the id; by default one is generated.",
    }),
    sku: t.string({ required: true }),
    name: t.string({ required: true }),
    price: t.field({ type: MoneyInput, required: true }),
    initialStock: t.int({ required: false, defaultValue: 0 }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("addProduct", (t) =>
  t.field({
    type: ChangeRef,
    description: "Staff: lists a product with its price and initial stock.",
    authScopes: { staff: true },
    errors: { types: [...commandErrors, ProductAlreadyExists] },
    args: { input: t.arg({ type: AddProductInput, required: true }) },
    resolve: commandResolver("AddProduct", (_root, { input }, ctx) => {
      const productId = input.productId ? String(input.productId) : ctx.services.newId();
      return run(
        ctx,
        productId,
        {
          type: "AddProduct",
          productId,
          sku: input.sku,
          name: input.name,
          price: parsePositiveAmount(input.price.amount, input.price.currency, "price"),
          currency: input.price.currency,
          initialStock: wholeUnits(input.initialStock ?? 0, "initialStock"),
          at: ctx.services.clock().toISOString(),
        },
        input,
      );
    }),
  }),
);

const RestockInput = builder.inputType("RestockProductInput", {
  fields: (t) => ({
    productId: t.id({ required: true }),
    quantity: t.int({ required: true }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("restockProduct", (t) =>
  t.field({
    type: ChangeRef,
    description: "Staff: receives units into stock.",
    authScopes: { staff: true },
    errors: { types: [...commandErrors, ...productErrors] },
    args: { input: t.arg({ type: RestockInput, required: true }) },
    resolve: commandResolver("RestockProduct", (_root, { input }, ctx) => {
      const productId = String(input.productId);
      const at = ctx.services.clock().toISOString();
      return run(ctx, productId, { type: "RestockProduct", productId, quantity: input.quantity, at }, input);
    }),
  }),
);

const ChangePriceInput = builder.inputType("ChangePriceInput", {
  fields: (t) => ({
    productId: t.id({ required: true }),
    price: t.field({ type: MoneyInput, required: true }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("changePrice", (t) =>
  t.field({
    type: ChangeRef,
    description: "Staff: sets a new price for future orders.",
    authScopes: { staff: true },
    errors: { types: [...commandErrors, ...productErrors] },
    args: { input: t.arg({ type: ChangePriceInput, required: true }) },
    resolve: commandResolver("ChangePrice", (_root, { input }, ctx) => {
      const productId = String(input.productId);
      return run(
        ctx,
        productId,
        {
          type: "ChangePrice",
          productId,
          price: parsePositiveAmount(input.price.amount, input.price.currency, "price"),
          currency: input.price.currency,
          at: ctx.services.clock().toISOString(),
        },
        input,
      );
    }),
  }),
);

const DiscontinueInput = builder.inputType("DiscontinueProductInput", {
  fields: (t) => ({
    productId: t.id({ required: true }),
    idempotencyKey: t.string({ required: false, ...idempotencyKeyField }),
  }),
});

builder.mutationField("discontinueProduct", (t) =>
  t.field({
    type: ChangeRef,
    description: "Staff: stops selling a product (orders of it are refused).",
    authScopes: { staff: true },
    errors: { types: [...commandErrors, ...productErrors] },
    args: { input: t.arg({ type: DiscontinueInput, required: true }) },
    resolve: commandResolver("DiscontinueProduct", (_root, { input }, ctx) => {
      const productId = String(input.productId);
      const at = ctx.services.clock().toISOString();
      return run(ctx, productId, { type: "DiscontinueProduct", productId, at }, input);
    }),
  }),
);
