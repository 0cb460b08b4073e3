import type {
  KurrentDBClient,
  PersistentAction,
  PersistentSubscriptionToAll,
  PersistentSubscriptionToAllResolvedEvent,
} from "@kurrent/kurrentdb-client";
import { pause } from "./io";

export type RawDelivery = PersistentSubscriptionToAllResolvedEvent;

/** Longest wait at close for the server to have taken this connection's acks. */
const DRAIN_TIMEOUT_MS = 1_000;

/**
 * One connection to a KurrentDB persistent subscription. Acks and nacks travel on the connection's
 * request stream and are not answered; the connection ends with an error (group deleted or
 * updated, node gone) or when closed. Counting what was pushed and what was settled lets `close`
 * wait until the server has processed the settlements: cancelling the call right after the last
 * ack could lose it, and the server would then deliver that event again to the next holder.
 */
export class NativeConnection {
  private readonly subscription: PersistentSubscriptionToAll;
  private ended = false;
  private endError: unknown = null;
  private resolveDropped!: () => void;
  private pushed = 0;
  private settled = 0;
  /** Resolves when the connection has ended, for whatever reason. */
  readonly dropped = new Promise<void>((resolve) => (this.resolveDropped = resolve));

  constructor(
    private readonly client: KurrentDBClient,
    private readonly group: string,
    bufferSize: number,
    onEvent: (raw: RawDelivery) => void,
  ) {
    this.subscription = client.subscribeToPersistentSubscriptionToAll(group, { bufferSize });
    this.subscription.on("data", (raw: RawDelivery) => {
      this.pushed++;
      onEvent(raw);
    });
    this.subscription.on("error", (error: unknown) => this.end(error));
    this.subscription.on("end", () => this.end(null));
    this.subscription.on("close", () => this.end(null));
  }

  get isDropped(): boolean {
    return this.ended;
  }

  /** Why the connection ended (null: closed, or ended without an error). */
  get error(): unknown {
    return this.endError;
  }

  async ack(raws: readonly RawDelivery[]): Promise<void> {
    if (raws.length === 0) return;
    this.settled += raws.length;
    if (this.ended) return;
    await this.subscription.ack(...raws).catch((error: unknown) => this.end(error));
  }

  async nack(action: PersistentAction, reason: string, raw: RawDelivery): Promise<void> {
    this.settled++;
    if (this.ended) return;
    await this.subscription.nack(action, reason, raw).catch((error: unknown) => this.end(error));
  }

  /**
   * Ends the connection. Unless `abruptly`, first waits (briefly) until the server's count of
   * events in flight on this process's connections is no more than what was pushed here and not
   * settled, i.e. until it has processed every ack and nack sent.
   */
  async close(connectionName: string, { abruptly = false } = {}): Promise<void> {
    if (!this.ended && !abruptly) await this.drain(connectionName).catch(() => undefined);
    if (!this.ended) await this.subscription.unsubscribe().catch(() => undefined);
    this.end(null);
  }

  private async drain(connectionName: string): Promise<void> {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (!this.ended && Date.now() < deadline) {
      const info = await this.client.getPersistentSubscriptionToAllInfo(this.group);
      const inFlight = info.connections
        .filter((connection) => connection.connectionName === connectionName)
        .reduce((sum, connection) => sum + connection.inFlightMessages, 0);
      if (inFlight <= this.pushed - this.settled) return;
      await pause(20);
    }
  }

  private end(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = error;
    this.resolveDropped();
  }
}
