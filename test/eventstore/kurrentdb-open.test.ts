import { describe, expect, it } from "vitest";
import { clientConnectionString } from "../../eventstore/kurrentdb/connection";
import { KurrentDbEventStore } from "../../eventstore/kurrentdb/store";
import { openEventStore } from "../../eventstore/open";
import { EventStoreUnavailable } from "../../eventstore/port";

/** Selecting KurrentDB by URL, and what an unreachable server looks like (no server needed). */
describe("KurrentDB by EVENT_STORE_URL", () => {
  it("kurrentdb:// and esdb:// open a KurrentDB store without connecting yet", async () => {
    for (const url of ["kurrentdb://127.0.0.1:1?tls=false", "esdb://127.0.0.1:1?tls=false"]) {
      const store = await openEventStore(url);
      expect(store).toBeInstanceOf(KurrentDbEventStore);
      await store.close();
    }
  });

  it("a server that does not answer is EventStoreUnavailable, never a crash", async () => {
    // Port 1 refuses connections at once; the adapter retries a read a few times, then reports.
    const store = await openEventStore("kurrentdb://127.0.0.1:1?tls=false");
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.readStream("account-1")).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(
        store.appendToStream("account-1", [
          { id: "6a0e4f38-79e8-4a8e-9a56-5c3f0b9e2d11", type: "T", data: {} },
        ]),
      ).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.getConsumerGroup("projector-accounts")).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
    } finally {
      await store.close();
    }
  });

  it("a malformed KurrentDB URL is refused without echoing its password", async () => {
    const refused = openEventStore("kurrentdb://admin:changeit@host:notaport");
    await expect(refused).rejects.toMatchObject({ code: "UNSUPPORTED_EVENT_STORE_URL" });
    await expect(refused).rejects.not.toThrow(/changeit/);
  });

  describe("connection string", () => {
    it("rewrites esdb:// to kurrentdb:// and gives the process its own connection name", () => {
      expect(clientConnectionString("esdb://localhost:2113?tls=false", "abc")).toEqual({
        connectionString: "kurrentdb://localhost:2113?tls=false&connectionName=ledgerline-abc",
        connectionName: "ledgerline-abc",
      });
      expect(clientConnectionString("esdb+discover://a:2113,b:2113", "abc").connectionString).toBe(
        "kurrentdb+discover://a:2113,b:2113?connectionName=ledgerline-abc",
      );
    });

    it("keeps a connection name from the URL as the prefix, and every other setting", () => {
      const { connectionString, connectionName } = clientConnectionString(
        "kurrentdb://admin:changeit@db:2113/?tls=true&connectionName=gateway&nodePreference=leader",
        "x1",
      );
      expect(connectionName).toBe("gateway-x1");
      expect(connectionString).toBe(
        "kurrentdb://admin:changeit@db:2113?tls=true&nodePreference=leader&connectionName=gateway-x1",
      );
    });

    it("makes connection names unique per store", () => {
      expect(clientConnectionString("kurrentdb://h:2113").connectionName).not.toBe(
        clientConnectionString("kurrentdb://h:2113").connectionName,
      );
    });
  });
});
