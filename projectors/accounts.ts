import type { AccountEvent } from "../domain/banking/events";
import { accountStreamPrefix } from "../domain/banking/state";
import type { RecordedEvent } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import type { ViewOp } from "../readmodels/batch-writer";
import { entryIdOf as entryId } from "../readmodels/view-history";
import { accountHistoryLength } from "../readmodels/accounts";
import type { ReadModelKeys } from "../readmodels/keys";
import { entityGuard } from "./guards";
import type { Projection, Projector } from "./projector";

/**
 * The account view: one hash per account (owner, currency, balance in minor units, status,
 * revision, last change), an index of accounts per owner, and a short history of the view for
 * live clients that reconnect. The account hash's own `revision` field is the duplicate guard.
 */
export function accountsProjector(keys: ReadModelKeys): Projector {
  return {
    name: "accounts",
    filter: { streamPrefixes: [accountStreamPrefix] },
    guardFor: (event) => entityGuard(keys.account(event.streamId.slice(accountStreamPrefix.length)), event),
    project(recorded: RecordedEvent): Projection {
      const event = { type: recorded.type, data: recorded.data } as AccountEvent;
      const accountId = event.data.accountId;
      const key = keys.account(accountId);
      const position = formatPosition(recorded.position);
      const changedAt = recorded.metadata.timestamp ?? recorded.recordedAt.toISOString();
      const ops: ViewOp[] = [["hset", key, "position", position, "updatedAt", changedAt]];
      switch (event.type) {
        case "AccountOpened":
          ops.push(
            [
              "hset",
              key,
              "ownerId",
              event.data.ownerId,
              "currency",
              event.data.currency,
              "balance",
              "0",
              "status",
              "open",
              "openedAt",
              event.data.openedAt,
            ],
            [
              "zadd",
              keys.ownerAccounts(event.data.ownerId),
              String(Date.parse(event.data.openedAt)),
              accountId,
            ],
          );
          break;
        case "MoneyDeposited":
        case "MoneyWithdrawn":
        case "WithdrawalReversed":
          ops.push(["hset", key, "balance", String(event.data.balanceAfter)]);
          break;
        case "AccountClosed":
          ops.push(["hset", key, "status", "closed", "closedAt", event.data.closedAt]);
          break;
        default:
          // An event type this view does not know (newer producer): advance the guard only.
          return { guard: entityGuard(key, recorded), ops: [], notices: [] };
      }
      // The guard field is written by the script before these ops, so the snapshot includes it.
      ops.push([
        "snapshot",
        keys.accountHistory(accountId),
        entryId(position),
        String(accountHistoryLength),
        key,
      ]);
      return {
        guard: entityGuard(key, recorded),
        ops,
        notices: [[keys.accountChanges(accountId), position]],
      };
    },
  };
}
