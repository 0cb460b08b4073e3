import { accountAggregate } from "../commands/aggregates/account";
import type { CommandRuntime } from "../commands/runtime";
import type { AccountCommand } from "../domain/banking/commands";
import type { EventStore } from "../eventstore/port";
import type { Log } from "../projectors/log";

/**
 * A few accounts to explore on a fresh embedded store, appended through the command path (never
 * written to Redis directly), so every view is built the same way real traffic builds it.
 */
export async function seedSampleData(store: EventStore, commands: CommandRuntime, log: Log): Promise<void> {
  if ((await store.headPosition()) !== null) return;
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 5, 9, minutes)).toISOString();
  const plan: [string, AccountCommand][] = [
    [
      "alice-main",
      { type: "OpenAccount", accountId: "alice-main", ownerId: "alice", currency: "USD", at: at(0) },
    ],
    [
      "alice-main",
      { type: "DepositMoney", accountId: "alice-main", amount: 1_000_000, currency: "USD", at: at(1) },
    ],
    [
      "alice-main",
      {
        type: "WithdrawMoney",
        accountId: "alice-main",
        withdrawalId: "w-rent",
        amount: 500_000,
        currency: "USD",
        at: at(2),
      },
    ],
    [
      "alice-savings",
      { type: "OpenAccount", accountId: "alice-savings", ownerId: "alice", currency: "EUR", at: at(3) },
    ],
    [
      "alice-savings",
      { type: "DepositMoney", accountId: "alice-savings", amount: 250_050, currency: "EUR", at: at(4) },
    ],
    ["bob-main", { type: "OpenAccount", accountId: "bob-main", ownerId: "bob", currency: "USD", at: at(5) }],
    ["bob-main", { type: "DepositMoney", accountId: "bob-main", amount: 4_200, currency: "USD", at: at(6) }],
  ];
  for (const [accountId, command] of plan) {
    await commands.execute(accountAggregate, accountId, command, {
      now: new Date(command.at),
      userId: "sample-data",
      correlationId: "sample-data",
    });
  }
  log.info({ accounts: 3 }, "loaded sample data (accounts alice-main, alice-savings, bob-main)");
}
