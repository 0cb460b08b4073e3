import { defineView } from "../view";
import { inventoryName } from "./layout";
import { inventoryProjector } from "./projection";
import { InventoryReader } from "./reader";

export { inventoryFromHash, inventoryHistoryLength, stockLayout, type InventoryView } from "./layout";
export { inventoryProjector } from "./projection";
export { InventoryReader } from "./reader";

/** Inventory: each product's stock (on hand, reserved, sold, available) and price, low stock, live. */
export const inventoryView = defineView({
  name: inventoryName,
  projector: inventoryProjector,
  reader: (redis, keys) => new InventoryReader(redis, keys),
});
