import { demoCustomers, type DemoCustomer } from "./customers";
import { accountStep, cents, DAY, HOUR, iso, MINUTE, transferStep, type DemoStep } from "./plan";
import type { Random } from "./random";

/** Accounts were opened before the first order, after the catalog. */
export const ACCOUNTS_DAYS_AGO = 60;
const PAY_PERIOD_DAYS = 14;
/** Every fifth customer also keeps savings; one of them empties and closes the account. */
const savingsHolders = demoCustomers.filter((_, index) => index % 5 === 0);
export const CLOSED_SAVINGS_OWNER = savingsHolders[2]!.id;
const CLOSED_DAYS_AGO = 20;

const savingsId = (customer: DemoCustomer) => customer.accountId.replace(/-checking$/, "-savings");

/**
 * Every customer's checking account: opened with a first deposit, paid every two weeks, with a
 * few cash withdrawals. Savings accounts get a monthly transfer from checking (both legs carry
 * the transfer's correlation id); one savings account is emptied into checking and closed.
 * Order payments and refunds come from orders.ts; balances are made sufficient by feasible.ts.
 */
export function bankingSteps(random: Random, nowMs: number): DemoStep[] {
  const steps: DemoStep[] = [];
  const start = nowMs - ACCOUNTS_DAYS_AGO * DAY;
  demoCustomers.forEach((customer, index) => {
    const { accountId, currency } = customer;
    const openedAt = start + index * 41 * MINUTE;
    steps.push(
      accountStep({ type: "OpenAccount", accountId, ownerId: customer.id, currency, at: iso(openedAt) }),
    );
    const opening = cents(random.int(3, 40) * 100);
    steps.push(deposit(accountId, currency, opening, openedAt + 5 * MINUTE));
    const salary = cents(random.int(900, 2100));
    for (
      let payday = openedAt + random.int(1, PAY_PERIOD_DAYS) * DAY;
      payday < nowMs;
      payday += PAY_PERIOD_DAYS * DAY
    ) {
      steps.push(deposit(accountId, currency, salary, payday, "demo-payroll"));
    }
    const cashWithdrawals = random.int(1, 5);
    for (let n = 1; n <= cashWithdrawals; n++) {
      const at = nowMs - random.int(1, 45 * 24) * HOUR;
      const amount = cents(random.int(2, 15) * 20);
      steps.push(
        accountStep({
          type: "WithdrawMoney",
          accountId,
          withdrawalId: `cash-${n}`,
          amount,
          currency,
          at: iso(at),
        }),
      );
    }
  });
  for (const customer of savingsHolders) steps.push(...savingsSteps(random, customer, start, nowMs));
  return steps;
}

function savingsSteps(random: Random, customer: DemoCustomer, start: number, nowMs: number): DemoStep[] {
  const { accountId: checking, currency } = customer;
  const savings = savingsId(customer);
  const closes = customer.id === CLOSED_SAVINGS_OWNER;
  const openedAt = start + DAY + random.int(0, 23) * HOUR;
  const steps: DemoStep[] = [
    accountStep({
      type: "OpenAccount",
      accountId: savings,
      ownerId: customer.id,
      currency,
      at: iso(openedAt),
    }),
  ];
  const until = closes ? nowMs - CLOSED_DAYS_AGO * DAY - DAY : nowMs;
  let saved = 0;
  let n = 0;
  for (let at = openedAt + HOUR; at < until; at += 30 * DAY) {
    n += 1;
    const amount = cents(random.int(5, 30) * 20);
    const correlationId = `transfer-${savings}-${n}`;
    const withdrawalId = `to-savings-${n}`;
    steps.push(
      accountStep(
        { type: "WithdrawMoney", accountId: checking, withdrawalId, amount, currency, at: iso(at) },
        correlationId,
      ),
    );
    steps.push(deposit(savings, currency, amount, at + MINUTE, correlationId));
    saved += amount;
  }
  if (closes) {
    const at = nowMs - CLOSED_DAYS_AGO * DAY;
    const correlationId = `close-${savings}`;
    steps.push(
      accountStep(
        {
          type: "WithdrawMoney",
          accountId: savings,
          withdrawalId: "close-out",
          amount: saved,
          currency,
          at: iso(at),
        },
        correlationId,
      ),
    );
    steps.push(deposit(checking, currency, saved, at + MINUTE, correlationId));
    steps.push(
      accountStep({ type: "CloseAccount", accountId: savings, at: iso(at + 2 * MINUTE) }, correlationId),
    );
  }
  return steps;
}

/**
 * Three days ago, transfers through the transfer process: two customers move money from checking
 * to savings (completed), and one sends money to the savings account that was closed (the credit
 * is refused, the debit reversed: compensated). Each transfer's steps are on its own stream and
 * both accounts' audit trails name it.
 */
export function transferSteps(nowMs: number): DemoStep[] {
  const at = nowMs - 3 * DAY;
  const open = savingsHolders.filter((customer) => customer.id !== CLOSED_SAVINGS_OWNER).slice(0, 2);
  const closed = savingsHolders.find((customer) => customer.id === CLOSED_SAVINGS_OWNER)!;
  const sender = demoCustomers.find(
    (customer) => customer.currency === closed.currency && customer !== closed,
  )!;
  const transfer = (n: number, from: string, to: string, amount: number, currency: string) =>
    transferStep({
      type: "RequestTransfer",
      transferId: `demo-transfer-${n}`,
      fromAccountId: from,
      toAccountId: to,
      amount,
      currency,
      at: iso(at + n * 11 * MINUTE),
    });
  return [
    ...open.map((customer, i) =>
      transfer(i + 1, customer.accountId, savingsId(customer), cents(150 + 50 * i), customer.currency),
    ),
    transfer(3, sender.accountId, savingsId(closed), cents(40), closed.currency),
  ];
}

export function deposit(
  accountId: string,
  currency: string,
  amount: number,
  atMs: number,
  correlationId?: string,
): DemoStep {
  return accountStep({ type: "DepositMoney", accountId, amount, currency, at: iso(atMs) }, correlationId);
}

export interface DemoAccount {
  readonly accountId: string;
  readonly ownerId: string;
  readonly currency: string;
  readonly closed: boolean;
}

export function demoAccounts(): DemoAccount[] {
  const checking = demoCustomers.map(({ accountId, id, currency }) => ({
    accountId,
    ownerId: id,
    currency,
    closed: false,
  }));
  const savings = savingsHolders.map((customer) => ({
    accountId: savingsId(customer),
    ownerId: customer.id,
    currency: customer.currency,
    closed: customer.id === CLOSED_SAVINGS_OWNER,
  }));
  return [...checking, ...savings];
}
