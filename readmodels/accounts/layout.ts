import { hashCodec, integer, oneOf, optionalText, text } from "../codec";

/** The view's name: its projector's and consumer group's. */
export const accountsName = "accounts";

/** The account view as stored: one hash per account. Amounts are integer minor units. */
export interface StoredAccount {
  readonly ownerId: string;
  readonly currency: string;
  readonly balance: number;
  readonly status: "open" | "closed";
  /** Revision of the last event of the account's stream applied to this view (the guard). */
  readonly revision: number;
  /** Global position of that event ("commit:prepare"). */
  readonly position: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
}

export interface AccountView extends StoredAccount {
  readonly accountId: string;
}

export const accountLayout = hashCodec<StoredAccount>({
  ownerId: text,
  currency: text,
  balance: integer(),
  status: oneOf(["open", "closed"], "open"),
  revision: integer(-1),
  position: text,
  openedAt: text,
  updatedAt: text,
  closedAt: optionalText,
});

/** The view from its hash; null when no account was ever projected there. */
export function accountFromHash(
  accountId: string,
  hash: Readonly<Record<string, string>>,
): AccountView | null {
  if (!hash.ownerId) return null;
  return { accountId, ...accountLayout.decode(hash) };
}

/** Changes of an account view kept for subscribers that reconnect with `since`. */
export const accountHistoryLength = 100;
