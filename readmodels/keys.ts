/**
 * The one module that knows Redis key and channel names. Every name starts with a prefix so
 * one Redis can hold several deployments (and every test file its own namespace).
 */
export type ReadModelKeys = ReturnType<typeof readModelKeys>;

export function readModelKeys(prefix = "") {
  return {
    prefix,
    account: (accountId: string) => `${prefix}account:${accountId}`,
    ownerAccounts: (ownerId: string) => `${prefix}owner:${ownerId}:accounts`,
    /** Capped stream of the account view after each change (entry id = event position). */
    accountHistory: (accountId: string) => `${prefix}account:${accountId}:history`,
    /** Audit trail: every money movement of an account (entry id = event position). */
    accountTransactions: (accountId: string) => `${prefix}account:${accountId}:transactions`,
    /** Balance after each movement, scored by the instant it happened (time travel). */
    accountBalances: (accountId: string) => `${prefix}account:${accountId}:balances`,
    /** Position of the last event a projector has settled: the authority for where it resumes. */
    checkpoint: (projector: string) => `${prefix}projector:${projector}:checkpoint`,
    /** Per-projector "last revision applied per stream", for views that count across streams. */
    ledger: (projector: string) => `${prefix}projector:${projector}:ledger`,
    projectorState: (projector: string) => `${prefix}projector:${projector}:state`,
    /** Everything a projector writes lives under this pattern, so a rebuild can clear it. */
    accountChanges: (accountId: string) => `${prefix}changes:account:${accountId}`,
  };
}
