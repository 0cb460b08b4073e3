import { describe, expect, it } from "vitest";
import { cachedVerifier } from "../../server/auth/token-cache";
import { TokenRejected, type Principal, type TokenVerifier } from "../../server/auth/tokens";

/** A verifier that counts its calls and knows a few tokens (the real one is jose's; see authentication.test.ts). */
function countingVerifier(known: Record<string, Principal>) {
  const calls: string[] = [];
  const verify: TokenVerifier = async (token) => {
    calls.push(token);
    const principal = known[token];
    if (!principal) throw new TokenRejected("invalid_signature", "no");
    return principal;
  };
  return { verify, calls };
}

const at = (seconds: number) => seconds * 1000;
const alice = (exp: number | null): Principal => ({ userId: "alice", role: "customer", expiresAt: exp });

describe("verifying each token once", () => {
  it("answers a token verified before without verifying it again, until it expires", async () => {
    let now = at(1_000);
    const { verify, calls } = countingVerifier({ t1: alice(1_060) });
    const cached = cachedVerifier(verify, { now: () => now });
    expect(await cached("t1")).toEqual(alice(1_060));
    expect(await cached("t1")).toEqual(alice(1_060));
    expect(calls).toEqual(["t1"]);
    now = at(1_060); // its exp: verified again (and the verifier decides)
    await cached("t1");
    expect(calls).toEqual(["t1", "t1"]);
  });

  it("never remembers a refusal, and an altered token is another token", async () => {
    const { verify, calls } = countingVerifier({ good: alice(9_999_999_999) });
    const cached = cachedVerifier(verify);
    await cached("good");
    await expect(cached("good-altered")).rejects.toBeInstanceOf(TokenRejected);
    await expect(cached("good-altered")).rejects.toBeInstanceOf(TokenRejected);
    expect(calls).toEqual(["good", "good-altered", "good-altered"]);
  });

  it("trusts a verification no longer than maxAgeMs (a key set's own lifetime), and keeps at most maxEntries", async () => {
    let now = at(0);
    const { verify, calls } = countingVerifier({ a: alice(100_000), b: alice(100_000), c: alice(100_000) });
    const cached = cachedVerifier(verify, { now: () => now, maxAgeMs: 600_000, maxEntries: 2 });
    await cached("a");
    now = at(599);
    await cached("a");
    expect(calls).toEqual(["a"]);
    now = at(600);
    await cached("a");
    expect(calls).toEqual(["a", "a"]);
    // Two entries at most: the oldest goes first.
    await cached("b");
    await cached("c");
    await cached("a");
    expect(calls).toEqual(["a", "a", "b", "c", "a"]);
  });
});
