import type { AccountCommand } from "../../domain/banking/commands";
import type { ProductCommand } from "../../domain/catalog/commands";
import type { OrderCommand } from "../../domain/ordering/commands";
import type { TransferCommand } from "../../domain/transfers/commands";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * One command of the demo plan, for one aggregate. `atMs` is the command's `at` as a number, so
 * the plan can be put in time order; `correlationId` ties the steps of one story together (an
 * order's payment withdrawal carries the order's id), which the audit trail shows.
 */
export type DemoStep =
  | {
      readonly kind: "product";
      readonly id: string;
      readonly command: ProductCommand;
      readonly atMs: number;
      readonly correlationId: string;
    }
  | {
      readonly kind: "account";
      readonly id: string;
      readonly command: AccountCommand;
      readonly atMs: number;
      readonly correlationId: string;
    }
  | {
      readonly kind: "order";
      readonly id: string;
      readonly command: OrderCommand;
      readonly atMs: number;
      readonly correlationId: string;
    }
  | {
      readonly kind: "transfer";
      readonly id: string;
      readonly command: TransferCommand;
      readonly atMs: number;
      readonly correlationId: string;
    };

/** Instants are offsets from one `now` chosen at the start, never read from a clock per step. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function productStep(command: ProductCommand, correlationId = "demo-catalog"): DemoStep {
  return { kind: "product", id: command.productId, command, atMs: Date.parse(command.at), correlationId };
}

export function accountStep(command: AccountCommand, correlationId = "demo-banking"): DemoStep {
  return { kind: "account", id: command.accountId, command, atMs: Date.parse(command.at), correlationId };
}

export function orderStep(command: OrderCommand, correlationId = command.orderId): DemoStep {
  return { kind: "order", id: command.orderId, command, atMs: Date.parse(command.at), correlationId };
}

export function transferStep(command: TransferCommand, correlationId = command.transferId): DemoStep {
  return { kind: "transfer", id: command.transferId, command, atMs: Date.parse(command.at), correlationId };
}

/** Whole currency units as minor units (every demo currency has two decimals). */
export function cents(units: number): number {
  return Math.round(units * 100);
}
