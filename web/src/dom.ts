/** A tiny element builder: the page is a few panels, no framework needed to draw them. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

export function panel(id: string, title: string): { root: HTMLElement; body: HTMLElement } {
  const body = el("div", { class: "panel-body" });
  const root = el("section", { class: "panel", id }, el("h2", {}, title), body);
  return { root, body };
}

export function formatNumber(n: number): string {
  return n.toLocaleString("en-US");
}
