import { mintToken } from "../../../server/auth/tokens";
import { loadConfig, type Config } from "../../../server/config";
import { startService, type RunningService } from "../../../server/services";
import { silentLog, type Log } from "../../../projectors/log";
import type { Role } from "../../../schema/context";
import { dropTestData, testServiceConfig, type GqlResponse } from "../../support/service";

/** The HS256 secret API suites sign with (what JWT_SECRET would be in a deployment). */
export const testSecret = "test-secret-of-the-api-suites-0123456789";

/** A token as the gateway of `config` accepts it (or, with `settings`, as another one would). */
export function tokenFor(
  config: Pick<Config, "auth">,
  role: Role,
  sub: string,
  ttlSeconds = 3600,
): Promise<string> {
  return mintToken(config.auth, { sub, role, ttlSeconds });
}

/** Development tokens, as `startTestService()` (no JWT_SECRET: the development secret) accepts them. */
export function devToken(role: Role, sub: string): Promise<string> {
  return tokenFor(loadConfig({}), role, sub);
}

export interface HttpAnswer<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: GqlResponse<T>;
}

export interface ApiClient {
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GqlResponse<T>>;
  /** The whole HTTP answer, for status codes and headers; `body` may be any JSON (a batch). */
  post<T = Record<string, unknown>>(body: unknown, headers?: Record<string, string>): Promise<HttpAnswer<T>>;
}

/** A GraphQL-over-HTTP client speaking with `token` (or anonymously without one). */
export function apiClient(url: string, token?: string): ApiClient {
  const post = async <T>(body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(token && { authorization: `Bearer ${token}` }),
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
  };
  return {
    post,
    async gql(query, variables) {
      return (await post({ query, variables })).body as never;
    },
  };
}

export interface ApiService {
  readonly service: RunningService;
  readonly config: Config;
  readonly url: string;
  readonly prefix: string;
  /** A client signed in as `sub` with `role`. */
  as(role: Role, sub: string): Promise<ApiClient>;
  stop(): Promise<void>;
}

/**
 * The whole service on a free port with its own PostgreSQL schema and Redis prefix (as
 * startTestService), signing tokens with `testSecret`, and with a log the test can read.
 */
export async function startApiService(
  env: Record<string, string> = {},
  log: Log = silentLog,
): Promise<ApiService> {
  const { config, schema, prefix } = testServiceConfig({ JWT_SECRET: testSecret, ...env });
  const service = await startService(config, log);
  let stopped = false;
  return {
    service,
    config,
    url: service.url!,
    prefix,
    async as(role, sub) {
      return apiClient(service.url!, await tokenFor(config, role, sub));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await service.stop();
      await dropTestData(schema, prefix);
    },
  };
}

/** A log that keeps every line, to check what an operator would read. */
export function recordingLog(): Log & {
  readonly lines: { level: string; fields: object; message: string }[];
} {
  const lines: { level: string; fields: object; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) =>
    void lines.push({ level, fields, message });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}
