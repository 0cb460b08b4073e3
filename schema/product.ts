import type { InventoryView } from "../readmodels/inventory";
import { builder } from "./builder";
import { offsetConnection } from "./connection";
import { MoneyRef } from "./money";

export const ProductStatusEnum = builder.enumType("ProductStatus", {
  values: {
    ACTIVE: { value: "active" },
    DISCONTINUED: { value: "discontinued" },
    UNKNOWN: { value: "unknown" },
  } as const,
});

export const ProductRef = builder.objectRef<InventoryView>("Product").implement({
  description: "A product with its stock, as the inventory view holds it.",
  fields: (t) => ({
    id: t.exposeID("productId"),
    sku: t.exposeString("sku", { nullable: true }),
    name: t.exposeString("name", { nullable: true }),
    price: t.field({
      type: MoneyRef,
      nullable: true,
      resolve: (p) =>
        p.price === null || p.currency === null ? null : { minorUnits: p.price, currency: p.currency },
    }),
    status: t.field({ type: ProductStatusEnum, resolve: (p) => p.status }),
    onHand: t.exposeInt("onHand", { description: "Units in the warehouse." }),
    reserved: t.exposeInt("reserved", {
      description: "Units in orders placed but not yet delivered or cancelled.",
    }),
    sold: t.exposeInt("sold", { description: "Units delivered." }),
    available: t.exposeInt("available", { description: "On hand minus reserved." }),
    position: t.field({ type: "Position", resolve: (p) => p.position }),
    updatedAt: t.field({ type: "DateTime", resolve: (p) => p.updatedAt }),
  }),
});

export const ProductConnection = offsetConnection<InventoryView>("Product", ProductRef);
