/**
 * Demo data: a month of a small coffee shop's customers, products, bank accounts and orders,
 * appended through the command path (`loadDemoData`), and a gentle live stream of new activity
 * (`startDemoActivity`). `npm run demo` (server/demo-cli.ts) runs both from a shell.
 */
export {
  startDemoActivity,
  DEMO_ACTIVITY_USER,
  type DemoActivity,
  type DemoActivityOptions,
} from "./activity";
export {
  buildDemoPlan,
  loadDemoData,
  DEFAULT_DEMO_SEED,
  DEMO_USER,
  type DemoOptions,
  type DemoPlan,
  type DemoSummary,
} from "./load";
export type { DemoOrder, Scenario } from "./orders";
export type { DemoStep } from "./plan";
