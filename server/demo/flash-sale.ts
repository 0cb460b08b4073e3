import { findProduct } from "./catalog";
import { demoCustomers } from "./customers";
import type { DemoOrder } from "./orders";
import { DAY, MINUTE, iso, orderStep, type DemoStep } from "./plan";

const productId = "prod-limited-grinder";

/**
 * Two days ago the shop put a limited edition on sale (a few units, never restocked) and more
 * customers asked for one than there were: the first orders are held and await payment, the rest
 * are rejected out of stock by the order process, naming what was available. A newcomer sees
 * both in the data set without typing anything.
 */
export function flashSaleSteps(nowMs: number): { steps: DemoStep[]; orders: DemoOrder[] } {
  const product = findProduct(productId);
  if (!product) throw new Error(`the flash sale needs ${productId} in the demo catalog`);
  const buyers = demoCustomers
    .filter((customer) => customer.currency === "USD")
    .slice(0, product.initialStock + 2);
  const start = nowMs - 2 * DAY;
  const steps: DemoStep[] = [];
  const orders: DemoOrder[] = [];
  buyers.forEach((customer, index) => {
    const orderId = `order-flash-${index + 1}`;
    steps.push(
      orderStep({
        type: "PlaceOrder",
        orderId,
        customerId: customer.id,
        currency: "USD",
        lines: [{ productId, sku: product.sku, quantity: 1, unitPrice: product.price, currency: "USD" }],
        shippingAddress: customer.address,
        at: iso(start + index * 7 * MINUTE),
      }),
    );
    const held = index < product.initialStock;
    orders.push({
      orderId,
      customerId: customer.id,
      currency: "USD",
      total: 0,
      scenario: "flashSale",
      status: held ? "awaiting_payment" : "rejected",
    });
  });
  return { steps, orders };
}
