import type { Role } from "../schema/context";

/**
 * GraphiQL's tabs: example operations for every part of the API, each tab signed in as the role
 * that may run it (development tokens, filled in by server/app.ts; none in production). Run an
 * operation with the ▶ button's menu. Sample accounts alice-main, alice-savings and bob-main exist
 * on a fresh embedded store.
 */
export interface ExampleTab {
  readonly title: string;
  readonly role: Role;
  readonly sub: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
}

const accounts = `# Accounts, as customer "alice" (see Headers). Customers see and act on their own accounts only:
# bob-main answers null here, exactly like an account that does not exist.
query MyAccounts {
  accountsByOwner(ownerId: "alice", first: 10) {
    totalCount
    edges { node { id currency balance { amount } status revision } }
  }
}

query Account {
  account(id: "alice-main") {
    id ownerId status revision position balance { amount currency }
    balanceAt(at: "2026-01-05T09:01:30Z") { amount }
    transactions(first: 5) { edges { node { kind amount { amount } balanceAfter { amount } at } } }
    meta { status position lagEvents }
  }
}

mutation OpenAccount {
  openAccount(input: { ownerId: "alice", currency: "USD", accountId: "alice-travel" }) {
    __typename
    ... on AccountChange { accountId revision position }
    ... on Error { code message }
  }
}

# The payload's \`account\` waits until the view includes this deposit (read-your-writes).
mutation Deposit {
  deposit(input: { accountId: "alice-travel", amount: { amount: "250.00", currency: "USD" }, idempotencyKey: "deposit-1" }) {
    __typename
    ... on AccountChange { revision position replayed account { balance { amount } revision } }
    ... on Error { code message }
  }
}

mutation Withdraw {
  withdraw(input: { accountId: "alice-travel", amount: { amount: "100.00", currency: "USD" } }) {
    __typename
    ... on AccountChange { revision position withdrawalId }
    ... on InsufficientFunds { available { amount } requested { amount } }
    ... on Error { code message }
  }
}

# Only at a zero balance: withdraw everything first.
mutation CloseAccount {
  closeAccount(input: { accountId: "alice-travel" }) {
    __typename
    ... on AccountChange { revision position }
    ... on AccountNotEmpty { balance { amount } }
    ... on Error { code message }
  }
}

# Money to another account (open alice-travel above first): the transfer process debits the source,
# credits the destination, and reverses the debit if the destination refuses it (closed, unknown,
# another currency: try alice-savings, which is in EUR). \`transfer(settled: true)\` waits for the
# outcome; every step is listed.
mutation TransferMoney {
  transferMoney(input: { transferId: "alice-transfer-1", fromAccountId: "alice-main", toAccountId: "alice-travel", amount: { amount: "25.00", currency: "USD" }, idempotencyKey: "transfer-1" }) {
    __typename
    ... on Change { id events replayed transfer(settled: true) { status reason detail steps { step at } requestEventId } }
    ... on Error { code message }
  }
}

query Transfer {
  transfer(id: "alice-transfer-1") { id status amount { amount currency } reason steps { step at } requestEventId correlationId }
}

# A transfer's movements name it, and their cause is the transfer's request (requestEventId).
query TransferTrail {
  account(id: "alice-main") {
    transactions(first: 5) { edges { node { kind amount { amount } transferId causationId correlationId } } }
  }
}

# Paste a mutation's position into Variables: answered once the views include it.
query ReadYourWrite($position: Position!) {
  atPosition(position: $position, timeoutMs: 2000) {
    account(id: "alice-travel") { balance { amount } revision position }
  }
}
`;

const orders = `# Orders, as customer "alice": the catalog, her orders, and the steps a customer may take.
# (Add products first in the "Catalog & fulfilment" tab.)
query Catalog {
  products(first: 20) { edges { node { id sku name price { amount currency } available status } } }
}

query Product {
  product(id: "widget") { id name price { amount currency } available status meta { status } }
}

mutation PlaceOrder {
  placeOrder(input: {
    orderId: "alice-order-1", customerId: "alice", currency: "USD",
    lines: [{ productId: "widget", quantity: 2 }],
    shippingAddress: { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US", region: "US-CA" }
  }) {
    __typename
    ... on Change { id events position order(stockAnswered: true) { status total { amount } rejectionDetail stockShortages { productId requested available } } }
    ... on Error { code message }
  }
}

query MyOrders {
  ordersByCustomer(customerId: "alice", first: 10) {
    totalCount
    edges { node { id status total { amount } timeline { placedAt paidAt shippedAt } } }
  }
}

query Order {
  order(id: "alice-order-1") { id status subtotal { amount } tax { amount } total { amount } lines { sku quantity lineTotal { amount } } }
}

mutation CancelOrder {
  cancelOrder(input: { orderId: "alice-order-1", reason: "changed my mind" }) {
    __typename ... on Change { events position } ... on Error { code message }
  }
}

mutation RequestRefund {
  requestRefund(input: { orderId: "alice-order-1", reason: "arrived broken" }) {
    __typename ... on Change { events position } ... on Error { code message }
  }
}
`;

const catalog = `# Catalog, stock, fulfilment and corrections, as staff.
mutation AddProduct {
  addProduct(input: { productId: "widget", sku: "W-1", name: "Widget", price: { amount: "10.00", currency: "USD" }, initialStock: 20 }) {
    __typename ... on Change { id position product { onHand available } } ... on Error { code message }
  }
}

mutation Restock {
  restockProduct(input: { productId: "widget", quantity: 10 }) { __typename ... on Change { position } ... on Error { code message } }
}

mutation ChangePrice {
  changePrice(input: { productId: "widget", price: { amount: "12.50", currency: "USD" } }) { __typename ... on Error { code message } }
}

query LowStock { lowStock(threshold: 5) { id sku available onHand reserved } }

mutation ConfirmPayment {
  confirmPayment(input: { orderId: "alice-order-1", amount: { amount: "21.45", currency: "USD" }, paymentReference: "pay-1" }) {
    __typename ... on Change { events } ... on Error { code message }
  }
}

mutation Ship {
  shipOrder(input: { orderId: "alice-order-1", trackingNumber: "TRACK-1" }) { __typename ... on Change { events } ... on Error { code message } }
}

mutation Deliver {
  deliverOrder(input: { orderId: "alice-order-1" }) { __typename ... on Change { events } ... on Error { code message } }
}

mutation IssueRefund {
  issueRefund(input: { orderId: "alice-order-1" }) { __typename ... on Change { events } ... on Error { code message } }
}

mutation Discontinue {
  discontinueProduct(input: { productId: "widget" }) { __typename ... on Change { events } ... on Error { code message } }
}

# Banking corrections are staff work too: undo a withdrawal (a compensating event; the original stays).
mutation ReverseWithdrawal {
  reverseWithdrawal(input: { accountId: "alice-main", withdrawalId: "w-rent", reason: "charged twice by mistake" }) {
    __typename ... on AccountChange { revision position } ... on Error { code message }
  }
}

subscription WatchStock {
  inventoryChanged(productId: "widget") { position product { available onHand reserved } }
}

# The order board: the orders changed last, then every change of any order.
query Board {
  recentOrders(first: 20) { id status customerId total { amount currency } updatedAt }
}

subscription WatchBoard {
  ordersUpdated { position order { id status customerId updatedAt } }
}
`;

const revenue = `# Revenue and regions, as staff.
query Revenue {
  revenue(currency: "USD") {
    total { revenue { amount } orders refunds { amount } netRevenue { amount } averageOrderValue { amount } }
    days(from: "2026-01-01", to: "2026-12-31", first: 7) { day revenue { amount } orders }
    meta { status lagEvents }
  }
}

query Regions {
  regions { region orders }
  ordersByRegion(region: "US-CA", first: 5) { totalCount edges { node { id status total { amount } } } }
}

subscription WatchRevenue {
  revenueUpdated(currency: "USD") { position revenue { revenue { amount } orders } }
}

query TopCustomers {
  topCustomers(currency: "USD", first: 5) {
    customers { rank customerId netSpend { amount } paid { amount } refunded { amount } paidOrders }
    meta { status lagEvents }
  }
}

subscription WatchTopCustomers {
  topCustomersUpdated(currency: "USD", first: 5) { position topCustomers { customers { rank customerId netSpend { amount } } } }
}
`;

const live = `# Live views, as customer "alice": the current view first, then every change.
# Deposit in the Accounts tab while one runs. Keep the last \`position\` and pass it as \`since\`
# when reconnecting to get exactly what you missed.
subscription WatchAccount {
  accountUpdated(id: "alice-main") { position missedChanges account { revision balance { amount currency } updatedAt } }
}

subscription WatchMyOrders {
  customerOrders(customerId: "alice") { position order { id status total { amount } } }
}

subscription WatchOrder {
  orderUpdated(id: "alice-order-1") { position order { status trackingNumber } }
}
`;

const admin = `# Operations, as admin.
query Projections {
  projections { projector status position head lagEvents lagMs eventsPerSecond parked reportedAt }
}

query Parked {
  parkedEvents(projector: "accounts", limit: 20) { eventId streamId revision type reason attempts parkedAt }
}

mutation ReplayParked {
  replayParkedEvents(projector: "accounts", limit: 100)
}

# Never apply one parked event (take its id from Parked): the events behind it then apply in order.
mutation SkipParked {
  skipParkedEvent(projector: "accounts", eventId: "00000000-0000-0000-0000-000000000000")
}

# Background jobs (ROLE=worker or all): snapshots, with progress; a failed one keeps its error.
query Jobs {
  jobs(first: 10) { totalCount edges { node { id kind state attempts error progress { done total ratePerSecond etaSeconds stage } createdAt finishedAt } } }
  jobSchedules { kind everyMs nextRunAt }
}

# Rebuild a view from the whole log beside the live one; readers switch when it has caught up.
# Follow it with WatchJobs (or jobUpdated(id: "rebuild-orders-1")); npm run rebuild -- orders does the same.
mutation RebuildOrders {
  rebuildProjection(view: "orders") { id kind state progress { done total stage } }
}

mutation CancelRebuild {
  cancelRebuild(view: "orders") { id state }
}

# A tax rule applied after the fact: every paid order placed before the date (here: all so far) in
# US-NY owes 4.5 %. The dry run appends nothing; its result lists the changes and the difference to
# tax and net revenue per currency and per day. Drop dryRun to apply it; a second run appends nothing.
# npm run correct -- tax --rate 4.5% --placed-before 2100-01-01 --region US-NY --dry-run does the same.
mutation CorrectTaxDryRun {
  correctTax(rate: "4.5%", placedBefore: "2100-01-01", region: "US-NY", dryRun: true) { id state }
}

# Take the id from CorrectTaxDryRun (or from Jobs): its progress, then its report.
query TaxCorrectionReport {
  job(id: "1") { id kind state progress { done total stage } result }
}

# Take an id from Jobs (state FAILED).
mutation RetryJob {
  retryJob(id: "1") { id state attempts }
}

subscription WatchJobs {
  jobUpdated { id kind state progress { done stage } error }
}

subscription WatchProjections {
  projectionsUpdated(everyMs: 1000) { projector status lagEvents lagMs eventsPerSecond parked }
}

# The one query that reads the EVENT STORE, not Redis: replay an aggregate as it was.
query DebugReplay {
  debugReplay(aggregate: ACCOUNT, id: "alice-main", atRevision: 1) {
    source streamId revision position recordedAt state
    events { revision type data metadata recordedAt }
  }
}
`;

export const exampleTabs: readonly ExampleTab[] = [
  { title: "Accounts", role: "customer", sub: "alice", query: accounts, variables: { position: "0:0" } },
  { title: "Orders", role: "customer", sub: "alice", query: orders },
  { title: "Catalog & fulfilment", role: "staff", sub: "graphiql-staff", query: catalog },
  { title: "Revenue", role: "staff", sub: "graphiql-staff", query: revenue },
  { title: "Live", role: "customer", sub: "alice", query: live },
  { title: "Admin", role: "admin", sub: "graphiql-admin", query: admin },
];
