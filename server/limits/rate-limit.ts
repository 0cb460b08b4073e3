import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Redis } from "ioredis";
import type { ReadModelKeys } from "../../readmodels/keys";
import type { GraphQLContext } from "../../schema/context";
import type { Log } from "../../projectors/log";
import { maskedFailure } from "./masking";
import { rootFields } from "./operation";

export interface RateDecision {
  readonly allowed: boolean;
  /** Calls already counted in this window (including these, when allowed). */
  readonly used: number;
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts `calls` against the user's window, unless that would pass the limit (then counts nothing). */
  take(userId: string, calls: number): Promise<RateDecision>;
  readonly limit: number;
  readonly windowSeconds: number;
}

// Check and count in one step, so concurrent requests cannot both squeeze under the limit.
const takeScript = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local calls = tonumber(ARGV[1])
if used + calls > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], calls)
if used == calls then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, used}`;

/**
 * A fixed window per user in Redis, shared by every gateway process. Fixed rather than sliding:
 * one counter per window is one round trip and one key; a burst at a window's edge can reach twice
 * the limit for a moment, which is acceptable for a guard against abuse (not a billing meter).
 */
export function redisRateLimiter(
  redis: Redis,
  keys: ReadModelKeys,
  limit: number,
  windowSeconds: number,
): RateLimiter {
  const windowMs = windowSeconds * 1000;
  return {
    limit,
    windowSeconds,
    async take(userId, calls) {
      const now = Date.now();
      const window = Math.floor(now / windowMs);
      const endsIn = (window + 1) * windowMs - now;
      const [allowed, used] = (await redis.eval(
        takeScript,
        1,
        keys.rateLimit(userId, window),
        calls,
        limit,
        endsIn + 1000,
      )) as [number, number];
      return { allowed: allowed === 1, used, retryAfterSeconds: Math.ceil(endsIn / 1000) };
    },
  };
}

/**
 * Counts every mutation root field of an operation (each alias is a call of its own) against the
 * caller's window before anything executes; over the limit, nothing runs and the answer says when
 * to retry. Applies over WebSocket too (same envelop).
 */
export function useMutationRateLimit(limiter: RateLimiter | null, log: Log): Plugin<GraphQLContext> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const userId = args.contextValue.userId;
      if (!limiter || userId === undefined) return;
      const { operation, fields } = rootFields(args.document, args.operationName);
      if (operation?.operation !== "mutation") return;
      const calls = new Set(
        fields.filter((f) => !f.name.value.startsWith("__")).map((f) => f.alias?.value ?? f.name.value),
      ).size;
      if (calls === 0) return;
      let decision: RateDecision;
      try {
        decision = await limiter.take(userId, calls);
      } catch (error) {
        // Cannot count (Redis down): refuse rather than let writes through unmetered.
        const failure = maskedFailure(
          log,
          args.contextValue,
          error,
          "could not check the mutation rate limit",
        );
        setResultAndStopExecution({ errors: [failure] });
        return;
      }
      if (decision.allowed) return;
      const message =
        calls > limiter.limit
          ? `This operation makes ${calls} mutation calls; at most ${limiter.limit} are allowed per ${limiter.windowSeconds} s`
          : `Rate limit: at most ${limiter.limit} mutation calls per ${limiter.windowSeconds} s per user ` +
            `(${decision.used} used, this operation makes ${calls}); retry in ${decision.retryAfterSeconds} s`;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(message, {
            extensions: {
              code: "RATE_LIMITED",
              limit: limiter.limit,
              windowSeconds: limiter.windowSeconds,
              retryAfterSeconds: decision.retryAfterSeconds,
              http: { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) } },
            },
          }),
        ],
      });
    },
  };
}
