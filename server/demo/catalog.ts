import { DAY, MINUTE, iso, productStep, type DemoStep } from "./plan";

export type Category = "coffee" | "brewing" | "tableware" | "gifts";

export interface DemoProduct {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  /** Not part of AddProduct (the catalog has no categories yet): it shapes what people buy together. */
  readonly category: Category;
  readonly currency: "USD" | "EUR";
  /** Minor units. */
  readonly price: number;
  readonly initialStock: number;
  /** Units per restock when the plan finds stock running out; small ones end up on the low-stock
   * list; 0: never restocked (orders beyond the stock are rejected out of stock). */
  readonly reorder: number;
  readonly maxQuantity: number;
  /** Relative weight when a customer picks a product. */
  readonly popularity: number;
  readonly priceChange?: { readonly daysAgo: number; readonly price: number };
  readonly discontinuedDaysAgo?: number;
}

/** id suffix, SKU, name, price (minor units), initial stock, reorder, max quantity, popularity */
type Row = readonly [string, string, string, number, number, number, number, number];

const rows: Readonly<Record<`${Category}/${"USD" | "EUR"}`, readonly Row[]>> = {
  "coffee/USD": [
    ["ethiopia-yirgacheffe", "COF-ETH-250", "Ethiopia Yirgacheffe, 250 g", 1650, 120, 80, 3, 9],
    ["colombia-huila", "COF-COL-250", "Colombia Huila, 250 g", 1450, 120, 80, 3, 8],
    ["house-espresso", "COF-ESP-1000", "House Espresso Blend, 1 kg", 3800, 60, 40, 2, 7],
    ["decaf-peru", "COF-DEC-250", "Decaf Peru, 250 g", 1500, 30, 20, 2, 3],
    ["kenya-aa", "COF-KEN-250", "Kenya AA, 250 g", 1900, 40, 30, 3, 5],
    ["cold-brew-pack", "COF-CBR-500", "Cold Brew Coarse Grind, 500 g", 2200, 25, 10, 2, 3],
  ],
  "brewing/USD": [
    ["pour-over-dripper", "BRW-DRP-02", "Ceramic Pour-Over Dripper", 2800, 25, 15, 1, 4],
    ["paper-filters", "BRW-FLT-100", "Paper Filters, 100 pack", 699, 200, 100, 4, 6],
    ["gooseneck-kettle", "BRW-KTL-1L", "Gooseneck Kettle, 1 L", 7900, 15, 8, 1, 2],
    ["burr-grinder", "BRW-GRD-PRO", "Conical Burr Grinder", 14900, 10, 5, 1, 2],
    ["french-press", "BRW-FRP-8C", "French Press, 8 cup", 3400, 20, 10, 1, 3],
    ["digital-scale", "BRW-SCL-01", "Digital Brew Scale", 4500, 12, 4, 1, 2],
    ["espresso-machine", "BRW-ESP-HOME", "Home Espresso Machine", 54900, 4, 2, 1, 1],
    // The flash sale's product (flash-sale.ts): never restocked, never picked by ordinary orders.
    ["limited-grinder", "BRW-GRD-LTD", "Limited Edition Hand Grinder", 12900, 3, 0, 1, 0],
  ],
  "tableware/USD": [
    ["stoneware-mug", "TBL-MUG-350", "Stoneware Mug, 350 ml", 1800, 60, 30, 4, 5],
    ["double-wall-glass", "TBL-GLS-2PK", "Double-Wall Glasses, pair", 2400, 30, 15, 2, 3],
    ["travel-tumbler", "TBL-TMB-470", "Insulated Travel Tumbler", 3200, 40, 20, 2, 4],
    ["espresso-cups", "TBL-ESP-4PK", "Espresso Cups, set of 4", 2900, 8, 4, 1, 2],
  ],
  "gifts/USD": [
    ["gift-card-50", "GFT-CARD-50", "Gift Card, $50", 5000, 500, 200, 2, 2],
    ["tasting-box", "GFT-TST-BOX", "Tasting Box, 4 x 100 g", 3900, 30, 20, 2, 3],
    ["barista-course", "GFT-CRS-ONL", "Online Barista Course", 9900, 1000, 500, 1, 1],
  ],
  "coffee/EUR": [["italian-roast-eu", "COF-ITA-1000-EU", "Italian Roast, 1 kg", 2890, 50, 30, 2, 7]],
  "brewing/EUR": [
    ["moka-pot-eu", "BRW-MOK-6-EU", "Moka Pot, 6 cup", 3990, 20, 10, 1, 4],
    ["milk-frother-eu", "BRW-FRO-EU", "Milk Frother", 5990, 10, 5, 1, 2],
  ],
  "tableware/EUR": [["porcelain-cups-eu", "TBL-POR-6-EU", "Porcelain Cups, set of 6", 4490, 6, 3, 1, 2]],
  "gifts/EUR": [["barista-apron-eu", "GFT-APR-EU", "Barista Apron", 3290, 15, 10, 1, 2]],
};

/** One sale (a lower price), one price rise, one seasonal product taken off the catalog. */
const priceChanges: Readonly<Record<string, DemoProduct["priceChange"]>> = {
  "prod-burr-grinder": { daysAgo: 12, price: 12900 },
  "prod-italian-roast-eu": { daysAgo: 20, price: 3190 },
};
const discontinued: Readonly<Record<string, number>> = { "prod-cold-brew-pack": 8 };

/**
 * A small coffee shop: beans sell often and in twos, equipment rarely and alone. The EUR products
 * come from a European warehouse and are only sold in EUR orders (eurozone customers).
 * The first product is the load's marker: its AddProduct tells whether the store was loaded before.
 */
export const demoProducts: readonly DemoProduct[] = Object.entries(rows).flatMap(([group, list]) => {
  const [category, currency] = group.split("/") as [Category, "USD" | "EUR"];
  return list.map(([slug, sku, name, price, initialStock, reorder, maxQuantity, popularity]): DemoProduct => {
    const id = `prod-${slug}`;
    const priceChange = priceChanges[id];
    const discontinuedDaysAgo = discontinued[id];
    return {
      id,
      sku,
      name,
      category,
      currency,
      price,
      initialStock,
      reorder,
      maxQuantity,
      popularity,
      ...(priceChange && { priceChange }),
      ...(discontinuedDaysAgo !== undefined && { discontinuedDaysAgo }),
    };
  });
});

/** The catalog was set up before anything else happened in the data set. */
export const CATALOG_DAYS_AGO = 62;

/** The price a customer saw at that instant (orders are priced at the edge from the product). */
export function priceAt(item: DemoProduct, atMs: number, nowMs: number): number {
  const change = item.priceChange;
  return change && atMs >= nowMs - change.daysAgo * DAY ? change.price : item.price;
}

export function isOnSale(item: DemoProduct, atMs: number, nowMs: number): boolean {
  return item.discontinuedDaysAgo === undefined || atMs < nowMs - item.discontinuedDaysAgo * DAY;
}

/** What the shop sells today (for the live activity, whose instants are always today). */
export function onSaleToday(item: DemoProduct): boolean {
  return item.discontinuedDaysAgo === undefined;
}

export function productsIn(currency: string): readonly DemoProduct[] {
  return demoProducts.filter((item) => item.currency === currency);
}

export function findProduct(productId: string): DemoProduct | undefined {
  return demoProducts.find((item) => item.id === productId);
}

/** AddProduct for each product, then the one sale price and the one discontinuation. */
export function catalogSteps(nowMs: number): DemoStep[] {
  const start = nowMs - CATALOG_DAYS_AGO * DAY;
  const steps: DemoStep[] = demoProducts.map((item, index) =>
    productStep({
      type: "AddProduct",
      productId: item.id,
      sku: item.sku,
      name: item.name,
      price: item.price,
      currency: item.currency,
      initialStock: item.initialStock,
      at: iso(start + index * 3 * MINUTE),
    }),
  );
  for (const item of demoProducts) {
    if (item.priceChange) {
      const at = iso(nowMs - item.priceChange.daysAgo * DAY);
      steps.push(
        productStep({
          type: "ChangePrice",
          productId: item.id,
          price: item.priceChange.price,
          currency: item.currency,
          at,
        }),
      );
    }
    if (item.discontinuedDaysAgo !== undefined) {
      const at = iso(nowMs - item.discontinuedDaysAgo * DAY);
      steps.push(productStep({ type: "DiscontinueProduct", productId: item.id, at }));
    }
  }
  return steps;
}
