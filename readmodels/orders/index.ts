import { defineView } from "../view";
import { ordersName } from "./layout";
import { ordersProjector } from "./projection";
import { OrderReader } from "./reader";

export {
  orderFromHash,
  orderHistoryLength,
  orderLayout,
  orderSteps,
  type OrderStatus,
  type OrderStep,
  type OrderView,
} from "./layout";
export { ordersProjector } from "./projection";
export { OrderReader } from "./reader";

/** Orders: each order's status view and its changes, per order and per customer, live. */
export const ordersView = defineView({
  name: ordersName,
  spreads: true,
  projector: ordersProjector,
  reader: (redis, keys) => new OrderReader(redis, keys),
});
