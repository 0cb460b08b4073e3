import { describe, expect, it } from "vitest";
import { run } from "../support/process-group";

/**
 * Every command-line entry point, as `npm run <name> -- …` runs it: `--help` prints the usage on
 * stdout and exits 0; a wrong argument is named on stderr and exits 2; a failure exits 1.
 */
const npm = (name: string, args: string[], env: Record<string, string | undefined> = {}) =>
  run("npm", ["run", "-s", name, "--", ...args], env);

/** Nothing listens there: a store or Redis at this address refuses at once. */
const refusing = "postgres://postgres@127.0.0.1:1/nothing";

const commands: {
  name: string;
  usage: RegExp;
  wrong: { args: string[]; says: RegExp }[];
  failure?: { args: string[]; env: Record<string, string>; says: RegExp };
}[] = [
  {
    name: "parked",
    usage: /npm run parked -- list +<projector>[\s\S]*Exit codes/,
    wrong: [
      { args: ["list", "nope"], says: /unknown projector "nope"; known: accounts, / },
      { args: ["frob", "accounts"], says: /unknown command "frob"/ },
      { args: ["list", "accounts", "--limit", "0"], says: /--limit must be a whole number ≥ 1; got "0"/ },
      { args: ["list", "accounts", "--lmit", "3"], says: /Unknown option '--lmit'/ },
      { args: ["skip", "accounts"], says: /skip: missing the event id/ },
    ],
    failure: {
      args: ["list", "accounts"],
      env: { EVENT_STORE_URL: refusing },
      says: /event store is unavailable: connect ECONNREFUSED/,
    },
  },
  {
    name: "rebuild",
    usage: /npm run rebuild -- <view> +rebuild the view as a job[\s\S]*Exit codes/,
    wrong: [
      { args: ["nope"], says: /unknown view "nope"; known: accounts, / },
      { args: [], says: /missing the view/ },
      { args: ["accounts", "--detach", "--cancel"], says: /--detach and --cancel exclude each other/ },
      { args: ["accounts", "orders"], says: /unexpected argument "orders"/ },
    ],
    failure: {
      args: ["accounts", "--detach"],
      env: { REDIS_URL: "redis://127.0.0.1:1" },
      says: /ECONNREFUSED|Connection is closed|unavailable/,
    },
  },
  {
    name: "correct",
    usage: /npm run correct -- tax --rate <rate> --placed-before <date>[\s\S]*Exit codes/,
    wrong: [
      { args: [], says: /missing what to correct \(tax\)/ },
      { args: ["vat"], says: /unknown correction "vat"; known: tax/ },
      { args: ["tax", "--placed-before", "2026-11-01"], says: /missing --rate/ },
      { args: ["tax", "--rate", "5%"], says: /missing --placed-before/ },
      {
        args: ["tax", "--rate", "five", "--placed-before", "2026-11-01"],
        says: /--rate: "five" is not a rate/,
      },
      {
        args: ["tax", "--rate", "5%", "--placed-before", "2026-02-30"],
        says: /--placed-before: "2026-02-30" is not a date or an instant/,
      },
      {
        args: ["tax", "--rate", "5%", "--placed-before", "2026-11-01", "--region", "x y"],
        says: /--region: "x y" is not a tax region code/,
      },
    ],
    failure: {
      args: ["tax", "--rate", "5%", "--placed-before", "2026-11-01", "--detach"],
      env: { REDIS_URL: "redis://127.0.0.1:1" },
      says: /Redis is unavailable at redis:\/\/127\.0\.0\.1:1/,
    },
  },
  {
    name: "gameday",
    usage: /npm run gameday \[-- --quick\][\s\S]*Exit codes/,
    wrong: [
      {
        args: ["--faults", "kill-projector,meteor"],
        says: /--faults: no fault "meteor"; the faults are kill-projector, /,
      },
      { args: ["--quick", "--minutes", "3"], says: /--quick, --minutes and --seconds exclude each other/ },
      { args: ["--minutes", "ten"], says: /--minutes must be a whole number ≥ 1; got "ten"/ },
      { args: ["--quikc"], says: /Unknown option '--quikc'/ },
    ],
  },
  {
    name: "token",
    usage: /npm run token -- --role <customer\|staff\|admin> --sub <user id>/,
    wrong: [
      {
        args: ["--role", "boss", "--sub", "alice"],
        says: /--role must be one of customer, staff, admin; got "boss"/,
      },
      { args: ["--role", "admin", "--sub", "alice", "--ttl", "ten"], says: /--ttl must be .* got "ten"/ },
      { args: ["--role", "admin"], says: /missing --sub/ },
      { args: ["--role"], says: /Option '--role <value>' argument missing/ },
    ],
    failure: {
      args: ["--role", "admin", "--sub", "alice"],
      env: { JWT_JWKS_URL: "http://127.0.0.1:1/jwks", JWT_SECRET: "" },
      says: /JWT_JWKS_URL is set without JWT_SECRET/,
    },
  },
  {
    name: "schema:print",
    usage: /npm run schema:print \[-- --write \| --check\]/,
    wrong: [
      { args: ["--write", "--check"], says: /--write and --check exclude each other/ },
      { args: ["schema.graphql"], says: /Unexpected argument 'schema.graphql'/ },
    ],
  },
  {
    name: "demo",
    usage: /npm run demo -- \[--live\] \[--seed N\]/,
    wrong: [
      { args: ["--scale", "0"], says: /--scale must be a positive number; got "0"/ },
      { args: ["--seed", "x"], says: /--seed must be a whole number; got "x"/ },
      { args: ["--liv"], says: /Unknown option '--liv'/ },
    ],
    failure: {
      args: ["--scale", "0.01"],
      env: { EVENT_STORE_URL: refusing },
      says: /event store is unavailable/,
    },
  },
  {
    name: "bench",
    usage: /npm run bench \[-- \[--quick \| --tiny\] \[--only 1,3\]\][\s\S]*Figures:\n {2}1 {2}GraphQL query/,
    wrong: [
      { args: ["--only", "10"], says: /--only: no figure "10"; the figures are 1, 2, 3, 4, 5, 6, 7, 8, 9/ },
      { args: ["--qiuck"], says: /Unknown option '--qiuck'/ },
      { args: ["--quick", "--tiny"], says: /--quick and --tiny exclude each other/ },
    ],
    failure: {
      args: ["--tiny", "--only", "1"],
      env: { BENCH_DATABASE_URL: refusing },
      says: /^bench: connect ECONNREFUSED 127\.0\.0\.1:1$/m,
    },
  },
];

describe.each(commands)("npm run $name", ({ name, usage, wrong }) => {
  it("--help (and -h) prints the usage on stdout and exits 0", async () => {
    const [long, short] = await Promise.all([npm(name, ["--help"]), npm(name, ["-h"])]);
    expect(long).toMatchObject({ code: 0, stderr: "" });
    expect(long.stdout).toMatch(usage);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(long.stdout);
  });

  it("names a wrong argument and exits 2", async () => {
    const results = await Promise.all(wrong.map(({ args }) => npm(name, args)));
    results.forEach((result, index) => {
      const { args, says } = wrong[index]!;
      expect(result.code, `${name} ${args.join(" ")}`).toBe(2);
      expect(result.stderr, `${name} ${args.join(" ")}`).toMatch(says);
      expect(result.stderr).toMatch(new RegExp(`Run "npm run ${name} -- --help" for the usage`));
      expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    });
  });
});

describe.each(commands.filter((command) => command.failure))("npm run $name", ({ name, failure }) => {
  it("exits 1 with the reason when the command fails", async () => {
    const result = await npm(name, failure!.args, failure!.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(failure!.says);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("npm run schema:print", () => {
  it("prints the schema on stdout and leaves the file alone; --check finds the file up to date", async () => {
    const printed = await npm("schema:print", []);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^type Query \{$/m);
    const checked = await npm("schema:print", ["--check"]);
    expect(checked).toMatchObject({ code: 0, stdout: "" });
    expect(checked.stderr).toMatch(/schema\.graphql is up to date/);
  });
});
