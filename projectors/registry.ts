// The registry of views (and so of projectors) is readmodels/registry.ts: one line per view.
export { allProjectors } from "../readmodels/registry";
