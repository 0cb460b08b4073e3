import { moneyTransferProcess } from "./money-transfer";
import { orderStockProcess } from "./order-stock";
import type { ProcessManager } from "./process";

/** Every process manager the workers run (each has its consumer group and its kind of job). */
export const processManagers: readonly ProcessManager[] = [orderStockProcess, moneyTransferProcess];
