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

const staffOnly = { staff: true } as const;

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
    // Stock levels and sales are the shop's business; customers see what is available.
    onHand: t.exposeInt("onHand", { description: "Staff: units in the warehouse.", authScopes: staffOnly }),
    reserved: t.exposeInt("reserved", {
      description: "Staff: units in orders placed but not yet delivered or cancelled.",
      authScopes: staffOnly,
    }),
    sold: t.exposeInt("sold", { description: "Staff: units delivered.", authScopes: staffOnly }),
    available: t.exposeInt("available", { description: "On hand minus reserved." }),
    position: t.field({ type: "Position", resolve: (p) => p.position }),
    updatedAt: t.field({ type: "DateTime", resolve: (p) => p.updatedAt }),
  }),
});

export const ProductConnection = offsetConnection<InventoryView>("Product", ProductRef);
