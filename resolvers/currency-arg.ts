import { GraphQLError } from "graphql";
import { assertCurrency } from "../domain/shared/money";

/**
 * The `currency` argument of a read (a query or a live view): upper-cased, USD when left out. A
 * currency the service does not know is refused here, as bad input, before anything is read:
 * otherwise the read would answer figures that no amount can be printed for (the number of
 * decimals comes from the currency), and the client would get an internal error instead.
 */
export function currencyArg(currency: string | null | undefined): string {
  const code = (currency ?? "USD").toUpperCase();
  try {
    assertCurrency(code);
  } catch (error) {
    throw new GraphQLError((error as Error).message, {
      extensions: { code: "BAD_USER_INPUT", field: "currency" },
    });
  }
  return code;
}
