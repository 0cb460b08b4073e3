/** The operations GraphiQL opens with: the whole bank-account story, ready to run one by one. */
export const exampleOperations = `# Welcome! Run these in order (pick one with the ▶ button's menu).
# Amounts are decimal strings; every mutation returns the position of what it wrote.
# Sample accounts are already there: try account(id: "alice-main") or accountsByOwner(ownerId: "alice").

mutation OpenAccount {
  openAccount(input: { ownerId: "me", currency: "USD", accountId: "my-account" }) {
    __typename
    ... on AccountChange { accountId revision position }
    ... on Error { code message }
  }
}

mutation Deposit {
  deposit(input: { accountId: "my-account", amount: { amount: "10000.00", currency: "USD" } }) {
    __typename
    ... on AccountChange { accountId revision position }
    ... on Error { code message }
  }
}

mutation Withdraw {
  withdraw(input: { accountId: "my-account", amount: { amount: "5000.00", currency: "USD" } }) {
    __typename
    ... on AccountChange { accountId revision position withdrawalId }
    ... on InsufficientFunds { available { amount } requested { amount } }
    ... on Error { code message }
  }
}

query Account {
  account(id: "my-account") { id ownerId status revision position balance { amount currency } updatedAt }
}

query AccountsByOwner {
  accountsByOwner(ownerId: "me", first: 10) {
    totalCount
    edges { cursor node { id balance { amount currency } status } }
    pageInfo { hasNextPage endCursor }
  }
}

# Open this in a second tab, then run Deposit / Withdraw in the first: the balance changes live.
subscription WatchAccount {
  accountUpdated(id: "my-account") { id revision balance { amount currency } updatedAt }
}
`;
