import { ProductAlreadyExists, ProductDiscontinuedError, ProductNotFound } from "../domain/catalog/errors";
import {
  InvalidOrderTransition,
  OrderAlreadyExists,
  OrderAlreadyShipped,
  OrderNotFound,
  OrderNotPaid,
  RefundNotRequested,
} from "../domain/ordering/errors";
import { TransferAlreadyExists } from "../domain/transfers/errors";
import { builder } from "./builder";
import { ErrorInterface } from "./errors";

const interfaces = [ErrorInterface];

builder.objectType(ProductNotFound, {
  name: "ProductNotFound",
  interfaces,
  fields: (t) => ({ productId: t.exposeID("productId") }),
});
builder.objectType(ProductAlreadyExists, {
  name: "ProductAlreadyExists",
  interfaces,
  fields: (t) => ({ productId: t.exposeID("productId") }),
});
builder.objectType(ProductDiscontinuedError, {
  name: "ProductDiscontinued",
  interfaces,
  fields: (t) => ({ productId: t.exposeID("productId") }),
});
builder.objectType(OrderNotFound, {
  name: "OrderNotFound",
  interfaces,
  fields: (t) => ({ orderId: t.exposeID("orderId") }),
});
builder.objectType(OrderAlreadyExists, {
  name: "OrderAlreadyExists",
  interfaces,
  fields: (t) => ({ orderId: t.exposeID("orderId"), status: t.exposeString("status") }),
});
builder.objectType(InvalidOrderTransition, {
  name: "InvalidOrderTransition",
  description:
    "The order's status does not allow this step (for example delivering an order that was never shipped).",
  interfaces,
  fields: (t) => ({
    orderId: t.exposeID("orderId"),
    from: t.exposeString("from", { description: "The order's status." }),
    command: t.exposeString("command"),
  }),
});
builder.objectType(OrderNotPaid, {
  name: "OrderNotPaid",
  interfaces,
  fields: (t) => ({ orderId: t.exposeID("orderId") }),
});
builder.objectType(OrderAlreadyShipped, {
  name: "OrderAlreadyShipped",
  interfaces,
  fields: (t) => ({ orderId: t.exposeID("orderId"), status: t.exposeString("status") }),
});
builder.objectType(RefundNotRequested, {
  name: "RefundNotRequested",
  interfaces,
  fields: (t) => ({ orderId: t.exposeID("orderId") }),
});

export const productErrors = [ProductNotFound, ProductDiscontinuedError] as const;
export const orderErrors = [
  OrderNotFound,
  InvalidOrderTransition,
  OrderNotPaid,
  OrderAlreadyShipped,
  RefundNotRequested,
] as const;
export { OrderAlreadyExists, ProductAlreadyExists };

builder.objectType(TransferAlreadyExists, {
  name: "TransferAlreadyExists",
  interfaces,
  fields: (t) => ({ transferId: t.exposeID("transferId"), status: t.exposeString("status") }),
});
