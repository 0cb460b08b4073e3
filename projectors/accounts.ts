import type { AccountEvent } from "../domain/banking/events";
import { accountStreamPrefix } from "../domain/banking/state";
import type { RecordedEvent } from "../eventstore/port";
import { formatPosition } from "../eventstore/position";
import type { ViewOp } from "../readmodels/batch-writer";
import type { ReadModelKeys } from "../readmodels/keys";
import type { Projection, Projector } from "./projector";

/**
 * The account view: one hash per account (owner, currency, balance in minor units, status,
 * revision, last change) and an index of accounts per owner. The account hash's own `revision`
 * field is the duplicate guard.
 */
export function accountsProjector(keys: ReadModelKeys): Projector {
  return {
    name: "accounts",
    filter: { streamPrefixes: [accountStreamPrefix] },
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
          ops.push(["hincrby", key, "balance", String(event.data.amount)]);
          break;
        case "MoneyWithdrawn":
          ops.push(["hincrby", key, "balance", String(-event.data.amount)]);
          break;
        case "WithdrawalReversed":
          ops.push(["hincrby", key, "balance", String(event.data.amount)]);
          break;
        case "AccountClosed":
          ops.push(["hset", key, "status", "closed", "closedAt", event.data.closedAt]);
          break;
        default:
          // An event type this view does not know (newer producer): advance the guard only.
          ops.length = 0;
      }
      return {
        guard: { key, field: "revision", revision: recorded.revision },
        ops,
        notices: [
          [keys.accountChanges(accountId), JSON.stringify({ revision: recorded.revision, position })],
        ],
      };
    },
  };
}
