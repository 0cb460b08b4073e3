import { defineView } from "../view";
import { accountsName } from "./layout";
import { accountsProjector } from "./projection";
import { AccountReader } from "./reader";

export { accountFromHash, accountHistoryLength, accountLayout, type AccountView } from "./layout";
export { accountsProjector } from "./projection";
export { AccountReader } from "./reader";

/** Accounts: balance, status and owner of each account, an owner's accounts, live changes. */
export const accountsView = defineView({
  name: accountsName,
  spreads: true,
  projector: accountsProjector,
  reader: (redis, keys) => new AccountReader(redis, keys),
});
