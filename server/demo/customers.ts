import type { ShippingAddress } from "../../domain/ordering/commands";

export interface DemoCustomer {
  readonly id: string;
  readonly name: string;
  /** Eurozone customers pay in EUR and buy from the EUR catalog; everyone else pays in USD. */
  readonly currency: "USD" | "EUR";
  readonly address: ShippingAddress;
  /** Their checking account, which pays for their orders and receives their refunds. */
  readonly accountId: string;
}

/** name, street, city, postal code, country, tax region (domain/ordering/tax.ts) */
type Row = readonly [string, string, string, string, string, string];

// Regions follow the tax table, weighted towards the US like a US shop's customer base.
const rows: readonly Row[] = [
  ["Ana Ruiz", "1420 Valencia St", "San Francisco", "94110", "US", "US-CA"],
  ["Ben Okafor", "88 Ocean Ave", "Santa Monica", "90402", "US", "US-CA"],
  ["Carmen Diaz", "250 Grand Ave", "Oakland", "94610", "US", "US-CA"],
  ["Dev Patel", "17 University Ave", "Palo Alto", "94301", "US", "US-CA"],
  ["Elena Petrova", "3100 Sunset Blvd", "Los Angeles", "90026", "US", "US-CA"],
  ["Felix Wong", "702 J St", "Sacramento", "95814", "US", "US-CA"],
  ["Grace Kim", "55 Bedford Ave", "Brooklyn", "11211", "US", "US-NY"],
  ["Hugo Martins", "410 W 23rd St", "New York", "10011", "US", "US-NY"],
  ["Iris Cohen", "12 Lark St", "Albany", "12210", "US", "US-NY"],
  ["Jamal Greene", "300 Main St", "Buffalo", "14202", "US", "US-NY"],
  ["Kate Sullivan", "77 Court St", "Brooklyn", "11201", "US", "US-NY"],
  ["Leo Hernandez", "901 Congress Ave", "Austin", "78701", "US", "US-TX"],
  ["Maya Johnson", "2400 Montrose Blvd", "Houston", "77006", "US", "US-TX"],
  ["Nate Brooks", "1500 Main St", "Dallas", "75201", "US", "US-TX"],
  ["Olivia Tran", "315 E Houston St", "San Antonio", "78205", "US", "US-TX"],
  ["Paul Andersen", "1910 Pike Pl", "Seattle", "98101", "US", "US-WA"],
  ["Quinn Rivera", "400 W Riverside Ave", "Spokane", "99201", "US", "US-WA"],
  ["Rosa Alvarez", "800 Pacific Ave", "Tacoma", "98402", "US", "US-WA"],
  ["Sam Whitaker", "1005 SE Hawthorne Blvd", "Portland", "97214", "US", "US-OR"],
  ["Tara Nguyen", "220 W 8th Ave", "Eugene", "97401", "US", "US-OR"],
  ["Uma Singh", "400 Queen St W", "Toronto", "M5V 2A9", "CA", "CA"],
  ["Victor Tremblay", "1200 Rue Sainte-Catherine O", "Montreal", "H3B 1K9", "CA", "CA"],
  ["Wendy Chen", "1055 Robson St", "Vancouver", "V6E 1A9", "CA", "CA"],
  ["Xavier Hughes", "14 Camden High St", "London", "NW1 0JH", "GB", "GB"],
  ["Yasmin Ali", "22 Deansgate", "Manchester", "M3 1RH", "GB", "GB"],
  ["Zoe Campbell", "9 Rose St", "Edinburgh", "EH2 2PR", "GB", "GB"],
  ["Aline Favre", "Bahnhofstrasse 21", "Zurich", "8001", "CH", "CH"],
  ["Bruno Keller", "Rue du Rhone 40", "Geneva", "1204", "CH", "CH"],
  ["Chiaki Tanaka", "1-2-3 Jingumae, Shibuya", "Tokyo", "150-0001", "JP", "JP"],
  ["Daiki Sato", "4-5 Nakanoshima, Kita", "Osaka", "530-0005", "JP", "JP"],
  ["Emi Watanabe", "2-8 Sakae, Naka", "Nagoya", "460-0008", "JP", "JP"],
  ["Jonas Becker", "Torstrasse 110", "Berlin", "10119", "DE", "DE"],
  ["Lena Schmidt", "Sendlinger Str. 8", "Munich", "80331", "DE", "DE"],
  ["Mila Wagner", "Schanzenstrasse 5", "Hamburg", "20357", "DE", "DE"],
  ["Noah Fischer", "Ehrenstrasse 44", "Cologne", "50672", "DE", "DE"],
  ["Camille Laurent", "18 Rue Oberkampf", "Paris", "75011", "FR", "FR"],
  ["Louis Moreau", "5 Rue de la Republique", "Lyon", "69002", "FR", "FR"],
  ["Ines Girard", "12 Cours Julien", "Marseille", "13006", "FR", "FR"],
  ["Daan de Vries", "Prinsengracht 263", "Amsterdam", "1016 GV", "NL", "NL"],
  ["Sanne Bakker", "Oudegracht 150", "Utrecht", "3511 AZ", "NL", "NL"],
];

const eurozone = new Set(["DE", "FR", "NL"]);

/** Ids from first names (`cust-ana`): readable in GraphiQL, stable across loads. */
export const demoCustomers: readonly DemoCustomer[] = rows.map(
  ([name, line1, city, postalCode, country, region]) => {
    const slug = name.split(" ")[0]!.toLowerCase();
    return {
      id: `cust-${slug}`,
      name,
      currency: eurozone.has(country) ? "EUR" : "USD",
      address: { line1, city, postalCode, country, region },
      accountId: `acct-${slug}-checking`,
    };
  },
);

export function findCustomer(customerId: string): DemoCustomer | undefined {
  return demoCustomers.find((customer) => customer.id === customerId);
}
