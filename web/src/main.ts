import "uplot/dist/uPlot.min.css";
import "./style.css";
import { accountPanel } from "./account";
import { Api, type LinkState } from "./client";
import { el } from "./dom";
import { operationsPanel } from "./operations";
import { orderBoard } from "./orders";
import { revenuePanel } from "./revenue";
import { stockPanel } from "./stock";

/**
 * The dashboard: live panels over the public GraphQL API. The token comes from the page (a
 * development token the gateway fills in outside production) or from what the user pasted
 * (kept in this browser's local storage).
 */
function tokenOf(): string | null {
  const fromPage = document.querySelector<HTMLMetaElement>('meta[name="ledgerline-token"]')?.content;
  return fromPage || localStorage.getItem("ledgerline-token");
}

function roleOf(token: string): string | null {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as {
      role?: string;
    };
    return payload.role ?? null;
  } catch {
    return null;
  }
}

function askForToken(root: HTMLElement): void {
  const input = el("input", {
    type: "password",
    id: "token",
    placeholder: "a bearer token (npm run token -- --role admin --sub you)",
    autocomplete: "off",
  });
  const form = el(
    "form",
    { class: "token-form" },
    el("label", { for: "token" }, "Token"),
    input,
    el("button", { type: "submit" }, "Open"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem("ledgerline-token", input.value.trim());
    location.reload();
  });
  root.replaceChildren(el("p", {}, "This dashboard reads the API with your token."), form);
}

const labels: Record<LinkState, string> = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "connection lost; reconnecting…",
  error: "error",
};

function main(): void {
  const root = document.getElementById("app")!;
  const link = document.getElementById("link")!;
  const token = tokenOf();
  if (!token) {
    askForToken(root);
    return;
  }
  const api = new Api("/graphql", token);
  const setLink = (state: LinkState, detail?: string) => {
    link.dataset.state = state;
    link.textContent = detail ? `${labels[state]} (${detail})` : labels[state];
  };
  setLink("connecting");
  api.onState(setLink);
  const role = roleOf(token);
  root.replaceChildren(
    el(
      "div",
      { class: "grid" },
      orderBoard(api),
      operationsPanel(api, role === "admin"),
      revenuePanel(api),
      accountPanel(api, new URLSearchParams(location.hash.slice(1)).get("account") ?? "alice-main"),
      stockPanel(api),
    ),
  );
}

main();
