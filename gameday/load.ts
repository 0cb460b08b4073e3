import { randomUUID } from "node:crypto";
import { SseDataSplitter } from "./lib/sse";

/** One GraphQL answer. */
interface Answer {
  data?: Record<string, { __typename: string; code?: string; message?: string } | null>;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A mutation the service refused with ServiceUnavailable: when, and which. */
export interface Refusal {
  readonly at: number;
  readonly mutation: string;
  /** The error's code and message, as the service sent them. */
  readonly said: string;
}

/**
 * What the clients sent and what the service acknowledged. An acknowledged deposit or withdrawal
 * moved money; a transfer moved it once its view says COMPLETED.
 */
export class Ledger {
  /** Acknowledged movements per account, in cents. */
  readonly balances = new Map<string, bigint>();
  readonly transfers = new Map<string, { from: string; to: string; cents: bigint }>();
  readonly refusals: Refusal[] = [];
  acknowledged = 0;
  /** Answers that refused on the rules (insufficient funds, out of stock): no effect, counted. */
  ruled = 0;
  /** Requests that never got an answer within the retry budget (outcome unknown). */
  unanswered = 0;

  move(accountId: string, cents: bigint): void {
    this.balances.set(accountId, (this.balances.get(accountId) ?? 0n) + cents);
  }
}

const dollars = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`;

/**
 * GraphQL clients over the gateways. Every mutation carries an idempotency key; a request that gets
 * no answer (a gateway killed mid-request) or a ServiceUnavailable is sent again with the same key
 * to the next gateway, as a careful client would, until it is answered or `retryForMs` passes.
 */
export class Clients {
  private next = 0;

  constructor(
    private readonly gateways: () => readonly string[],
    private readonly token: string,
    readonly ledger: Ledger,
    private readonly retryForMs = 60_000,
  ) {}

  async query<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const url = this.pick();
      try {
        const response = await fetch(url, this.request(query, variables));
        const answer = (await response.json()) as { data?: T; errors?: { message: string }[] };
        if (answer.data && !answer.errors) return answer.data;
        if (attempt > 50) throw new Error(`query failed: ${JSON.stringify(answer.errors)}`);
      } catch (error) {
        if (attempt > 50) throw error;
      }
      await pause(200);
    }
  }

  /** Sends a mutation until answered; the answer's typename, or null if none came. */
  async mutate(name: string, input: Record<string, unknown>, selection = ""): Promise<Answer["data"] | null> {
    const body = `mutation($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { __typename ... on Error { code message } ${selection} } }`;
    const keyed = { ...input, idempotencyKey: randomUUID() };
    const deadline = Date.now() + this.retryForMs;
    let refused = false;
    while (Date.now() < deadline) {
      const url = this.pick();
      let answer: Answer;
      try {
        const response = await fetch(url, {
          ...this.request(body, { input: keyed }),
          signal: AbortSignal.timeout(15_000),
        });
        answer = (await response.json()) as Answer;
      } catch {
        await pause(100);
        continue; // no answer: the same request, the same key, another gateway
      }
      const result = answer.data?.[name];
      const unavailable = answer.errors?.find((e) => e.extensions?.code === "SERVICE_UNAVAILABLE");
      if (result?.__typename === "ServiceUnavailable" || unavailable) {
        // One request refused several times (it is retried) counts once, at its first refusal.
        if (!refused) {
          const said = unavailable ? unavailable.message : `${result?.code ?? ""} ${result?.message ?? ""}`;
          this.ledger.refusals.push({ at: Date.now(), mutation: name, said: said.trim() });
        }
        refused = true;
        await pause(250);
        continue;
      }
      if (!result) {
        await pause(100);
        continue;
      }
      return answer.data!;
    }
    this.ledger.unanswered++;
    return null;
  }

  private pick(): string {
    const urls = this.gateways();
    this.next = (this.next + 1) % urls.length;
    return urls[this.next]!;
  }

  private request(query: string, variables?: Record<string, unknown>): RequestInit {
    return {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    };
  }
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The game day's shop and bank: accounts, products, and the mixed operations run against them. */
export class Workload {
  readonly accounts: string[];
  private readonly products = ["gd-lamp", "gd-chair", "gd-desk"];
  private orders = 0;

  constructor(
    private readonly clients: Clients,
    accounts: number,
    private readonly random: () => number,
  ) {
    this.accounts = Array.from({ length: accounts }, (_, i) => `gd-acct-${i}`);
  }

  async setUp(): Promise<void> {
    for (const accountId of this.accounts) {
      const opened = await this.clients.mutate("openAccount", {
        ownerId: "gameday",
        currency: "USD",
        accountId,
      });
      if (opened?.openAccount?.__typename !== "AccountChange") throw new Error(`could not open ${accountId}`);
    }
    for (const productId of this.products) {
      const input = {
        productId,
        sku: productId.toUpperCase(),
        name: productId,
        price: { amount: "3.00", currency: "USD" },
        initialStock: 1_000_000,
      };
      const added = await this.clients.mutate("addProduct", input);
      if (added?.addProduct?.__typename !== "Change") throw new Error(`could not add ${productId}`);
    }
    // Orders are priced from the catalog view: wait until it holds the products, as a client would.
    for (const productId of this.products) {
      for (let tries = 0; ; tries++) {
        const read = await this.clients.query<{ product: { id: string } | null }>(
          `query($id: ID!) { product(id: $id) { id } }`,
          { id: productId },
        );
        if (read.product) break;
        if (tries > 300) throw new Error(`the catalog view never showed ${productId}`);
        await pause(100);
      }
    }
  }

  /** One operation, chosen at random: deposits most, then withdrawals, transfers and orders. */
  async step(): Promise<void> {
    const roll = this.random();
    const ledger = this.clients.ledger;
    const account = this.pickAccount();
    const cents = BigInt(100 + Math.floor(this.random() * 9_900));
    const amount = { amount: dollars(cents), currency: "USD" };
    if (roll < 0.5) {
      const answer = await this.clients.mutate("deposit", { accountId: account, amount });
      if (answer?.deposit?.__typename === "AccountChange") {
        ledger.move(account, cents);
        ledger.acknowledged++;
      }
    } else if (roll < 0.7) {
      const answer = await this.clients.mutate("withdraw", { accountId: account, amount });
      const type = answer?.withdraw?.__typename;
      if (type === "AccountChange") {
        ledger.move(account, -cents);
        ledger.acknowledged++;
      } else if (type === "InsufficientFunds") ledger.ruled++;
    } else if (roll < 0.8) {
      let to = this.pickAccount();
      if (to === account) to = this.accounts[(this.accounts.indexOf(account) + 1) % this.accounts.length]!;
      const transferId = `gd-tr-${randomUUID()}`;
      const answer = await this.clients.mutate("transferMoney", {
        transferId,
        fromAccountId: account,
        toAccountId: to,
        amount,
      });
      if (answer?.transferMoney?.__typename === "Change") {
        ledger.transfers.set(transferId, { from: account, to, cents });
        ledger.acknowledged++;
      }
    } else {
      const orderId = `gd-order-${++this.orders}-${randomUUID().slice(0, 8)}`;
      const productId = this.products[Math.floor(this.random() * this.products.length)]!;
      const address = {
        line1: "1 Chaos St",
        city: "Springfield",
        postalCode: "1",
        country: "US",
        region: "US-CA",
      };
      const answer = await this.clients.mutate("placeOrder", {
        orderId,
        customerId: "gd-customer",
        currency: "USD",
        lines: [{ productId, quantity: 1 + Math.floor(this.random() * 3) }],
        shippingAddress: address,
      });
      if (answer?.placeOrder?.__typename === "Change") ledger.acknowledged++;
    }
  }

  private pickAccount(): string {
    return this.accounts[Math.floor(this.random() * this.accounts.length)]!;
  }
}

/** One live subscriber of one account: every revision it received, in the order received. */
export class Subscriber {
  /** Each push: the revision it showed, and whether changes before it were not sent (flagged). */
  readonly pushes: { revision: number; missed: boolean }[] = [];
  reconnects = 0;
  private position: string | null = null;
  private readonly stop = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    readonly accountId: string,
    private readonly gateways: () => readonly string[],
    private readonly token: string,
    private readonly firstGateway = 0,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    // Subscribers start on different gateways, so a gateway that dies takes some of them along.
    let turn = this.firstGateway;
    while (!this.stop.signal.aborted) {
      const urls = this.gateways();
      const url = urls[turn++ % urls.length]!;
      try {
        await this.follow(url);
      } catch {
        // The gateway went away, or the stream broke: reconnect from the last position.
      }
      if (this.stop.signal.aborted) return;
      this.reconnects++;
      await pause(200);
    }
  }

  private async follow(url: string): Promise<void> {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        authorization: `Bearer ${this.token}`,
      },
      body: JSON.stringify({
        query:
          "subscription($id: ID!, $since: Position) { accountUpdated(id: $id, since: $since) { position missedChanges account { revision } } }",
        variables: { id: this.accountId, since: this.position },
      }),
      signal: this.stop.signal,
    });
    if (!response.ok || !response.body) throw new Error(`refused: ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const splitter = new SseDataSplitter();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const data of splitter.push(decoder.decode(value, { stream: true }))) {
        const push = JSON.parse(data) as {
          data?: {
            accountUpdated: { position: string; missedChanges: boolean; account: { revision: number } };
          };
        };
        const update = push.data?.accountUpdated;
        if (!update) continue;
        this.position = update.position;
        this.pushes.push({ revision: update.account.revision, missed: update.missedChanges });
      }
    }
  }
}
