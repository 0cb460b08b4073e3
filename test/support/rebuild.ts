/** Clean rebuilds and read-model dumps, shared with the game day (gameday/lib/rebuild.ts). */
export { cleanRebuild, readModels, waitCaughtUp as caughtUp } from "../../gameday/lib/rebuild";
