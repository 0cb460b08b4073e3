import { formatAmount } from "../domain/shared/money";
import { builder } from "./builder";

/** Backing shape of a Money value: integer minor units and a currency. Never a float. */
export interface MoneyValue {
  readonly minorUnits: number;
  readonly currency: string;
}

export const MoneyRef = builder.objectRef<MoneyValue>("Money").implement({
  description:
    "An amount of money. `amount` is a decimal string with the currency's exact number of decimals.",
  fields: (t) => ({
    amount: t.string({ resolve: (money) => formatAmount(money.minorUnits, money.currency) }),
    currency: t.exposeString("currency"),
    minorUnits: t.string({
      description: "The amount in the currency's minor unit (cents), as an integer string.",
      resolve: (money) => String(money.minorUnits),
    }),
  }),
});

export const MoneyInput = builder.inputType("MoneyInput", {
  description: 'An amount as a decimal string, e.g. { amount: "100.00", currency: "USD" }.',
  fields: (t) => ({
    amount: t.string({ required: true }),
    currency: t.string({ required: true }),
  }),
});
