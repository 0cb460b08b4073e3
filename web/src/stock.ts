import type { Api } from "./client";
import { el, panel } from "./dom";

interface Product {
  id: string;
  name: string | null;
  sku: string | null;
  onHand: number;
  reserved: number;
  available: number;
  sold: number;
}

const fields = "id name sku onHand reserved available sold";

/** Stock per product, each row live; low stock (available at or under the threshold) stands out. */
export function stockPanel(api: Api, lowAt = 5): HTMLElement {
  const { root, body } = panel("stock", "Stock");
  const rows = el("tbody");
  body.append(
    el(
      "table",
      { class: "stock" },
      el(
        "thead",
        {},
        el("tr", {}, ...["product", "available", "on hand", "reserved", "sold"].map((h) => el("th", {}, h))),
      ),
      rows,
    ),
  );
  const show = (product: Product) => {
    let row = rows.querySelector<HTMLTableRowElement>(`tr[data-product="${CSS.escape(product.id)}"]`);
    if (!row) {
      row = el("tr", { "data-product": product.id });
      rows.append(row);
    }
    row.classList.toggle("low", product.available <= lowAt);
    row.replaceChildren(
      el("td", {}, product.name ?? product.id),
      el("td", { class: "available" }, String(product.available)),
      el("td", {}, String(product.onHand)),
      el("td", {}, String(product.reserved)),
      el("td", {}, String(product.sold)),
    );
  };
  void api
    .request<{ products: { edges: { node: Product }[] } }>(
      `{ products(first: 100) { edges { node { ${fields} } } } }`,
    )
    .then((answer) => {
      for (const { node } of answer.data?.products.edges ?? []) {
        show(node);
        api.live<{ inventoryChanged: { position: string; product: Product } }>(
          `subscription($id: ID!, $since: Position) { inventoryChanged(productId: $id, since: $since) { position product { ${fields} } } }`,
          { id: node.id },
          ({ inventoryChanged }) => show(inventoryChanged.product),
          (data) => data.inventoryChanged.position,
        );
      }
    });
  return root;
}
