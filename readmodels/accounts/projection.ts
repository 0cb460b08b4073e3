import type { AccountEvent } from "../../domain/banking/events";
import { accountStreamPrefix } from "../../domain/banking/state";
import type { RecordedEvent } from "../../eventstore/port";
import { formatPosition } from "../../eventstore/position";
import type { ViewOp } from "../batch-writer";
import { entityGuard } from "../guards";
import type { ReadModelKeys } from "../keys";
import type { Projection, Projector } from "../view";
import { entryIdOf } from "../view-history";
import { accountHistoryLength, accountLayout as layout, accountsName } from "./layout";

/**
 * The account view: one hash per account (owner, currency, balance in minor units, status,
 * revision, last change), an index of accounts per owner, and a short history of the view for
 * live clients that reconnect. The account hash's own `revision` field is the duplicate guard.
 */
export function accountsProjector(keys: ReadModelKeys): Projector {
  return {
    name: accountsName,
    filter: { streamPrefixes: [accountStreamPrefix] },
    guardFor: (event) => entityGuard(keys.account(event.streamId.slice(accountStreamPrefix.length)), event),
    project(recorded: RecordedEvent): Projection {
      const event = { type: recorded.type, data: recorded.data } as AccountEvent;
      const accountId = event.data.accountId;
      const key = keys.account(accountId);
      const position = formatPosition(recorded.position);
      const updatedAt = recorded.metadata.timestamp ?? recorded.recordedAt.toISOString();
      const ops: ViewOp[] = [layout.set(key, { position, updatedAt })];
      switch (event.type) {
        case "AccountOpened": {
          const { ownerId, currency, openedAt } = event.data;
          ops.push(layout.set(key, { ownerId, currency, balance: 0, status: "open", openedAt }), [
            "zadd",
            keys.ownerAccounts(ownerId, { stream: recorded.streamId }),
            String(Date.parse(openedAt)),
            accountId,
          ]);
          break;
        }
        case "MoneyDeposited":
        case "MoneyWithdrawn":
        case "WithdrawalReversed":
          ops.push(layout.set(key, { balance: event.data.balanceAfter }));
          break;
        case "AccountClosed":
          ops.push(layout.set(key, { status: "closed", closedAt: event.data.closedAt }));
          break;
        default:
          // An event type this view does not know (newer producer): advance the guard only.
          return { guard: entityGuard(key, recorded), ops: [], notices: [] };
      }
      // The guard field is written by the script before these ops, so the snapshot includes it.
      const history = keys.accountHistory(accountId);
      ops.push(["snapshot", history, entryIdOf(position), String(accountHistoryLength), key]);
      return {
        guard: entityGuard(key, recorded),
        ops,
        notices: [[keys.accountChanges(accountId), position]],
      };
    },
  };
}
