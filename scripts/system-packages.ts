// The system packages every README command needs, in one place. No npm package ships an offline
// speech engine or a browser build that runs here, so they come from Debian: flite speaks,
// pocketsphinx listens, sox converts test audio, chromium runs the widget's and the dashboard's
// browser tests and benches. `dev`, `test`, `bench` and `call` (and so `.ci/run`, through
// `npm test`) call `requireSystemPackages(command)` first: it installs what is missing with
// apt-get when this process is root, and otherwise prints one message naming the command to run
// and exits non-zero — never a stack trace.
//
// Run directly: `node scripts/system-packages.ts <dev|test|bench|call|campaign:demo|test:postgres>` (exit 0 when ready).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Where the browser tests find Chromium: Debian's binary itself (the /usr/bin wrapper adds flags and noise). */
export const chromiumPath = "/usr/lib/chromium/chromium";

export interface SystemRequirement {
  /** Debian packages that provide it. */
  packages: string[];
  /** What the commands use it for, in the message when it is missing. */
  purpose: string;
  /** Binaries on PATH, or absolute files, whose presence proves the packages are there. */
  binaries?: string[];
  files?: string[];
}

export const requirements = {
  speech: {
    packages: ["flite", "pocketsphinx", "pocketsphinx-en-us", "python3-pocketsphinx", "sox"],
    purpose: "offline speech engines of the demo agent and the voice tests (flite speaks, pocketsphinx listens — its streaming decoder through Debian's Python binding — sox converts)",
    binaries: ["flite", "pocketsphinx_batch", "sox"],
    files: ["/usr/share/pocketsphinx/model/en-us/en-us/mdef", "/usr/lib/python3/dist-packages/pocketsphinx/__init__.py", "/usr/bin/python3"],
  },
  browser: {
    packages: ["chromium", "chromium-driver"],
    purpose: "headless Chromium for the widget and dashboard browser tests and benches",
    files: [chromiumPath],
  },
  postgres: {
    packages: ["postgresql"],
    purpose: "a real PostgreSQL server (scripts/postgres.ts) for the workers suite's second run in CI, next to PGlite",
    // postgresql-common's cluster tools come with every server version; the server's own binaries
    // live under /usr/lib/postgresql/<version>/bin, a path that changes with Debian's release.
    binaries: ["pg_ctlcluster"],
    files: [],
  },
} as const satisfies Record<string, SystemRequirement>;

export type RequirementName = keyof typeof requirements;

/** What each README command needs. */
export const commandNeeds = {
  dev: ["speech"],
  call: ["speech"],
  // The demo's simulated people speak with flite (in the dev stack's Twilio simulator).
  "campaign:demo": ["speech"],
  // scripts/migrate.test.ts applies the migration history to a real PostgreSQL too.
  test: ["speech", "browser", "postgres"],
  // The dispatch bench runs a second stack on a real PostgreSQL.
  bench: ["speech", "browser", "postgres"],
  // `.ci/run`: the workers suite again, on a real PostgreSQL (scripts/postgres.ts).
  "test:postgres": ["postgres"],
} as const satisfies Record<string, readonly RequirementName[]>;

export type Command = keyof typeof commandNeeds;

/** How a person types the command. */
export const typed = (command: Command) => (command === "test" ? "npm test" : `npm run ${command}`);

/** The machine as this module sees it; tests pass their own. */
export interface Host {
  hasBinary(name: string): boolean;
  hasFile(path: string): boolean;
  isRoot: boolean;
  hasAptGet: boolean;
  /** Runs a command with inherited output; returns its exit status (null when it could not start). */
  run(cmd: string, args: string[], env?: Record<string, string>): number | null;
  log(line: string): void;
}

// Getters: importing this module (e2e/lib.ts does, for `chromiumPath`) must not spawn a shell.
export const realHost: Host = {
  hasBinary: (name) => spawnSync("sh", ["-c", `command -v '${name}'`], { stdio: "ignore" }).status === 0,
  hasFile: (path) => existsSync(path),
  get isRoot() {
    return process.getuid?.() === 0;
  },
  get hasAptGet() {
    return realHost.hasBinary("apt-get");
  },
  run: (cmd, args, env) => spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } }).status,
  log: (line) => console.error(line),
};

function missingRequirements(names: readonly RequirementName[], host: Host): RequirementName[] {
  return names.filter((name) => {
    const req: SystemRequirement = requirements[name];
    return (req.binaries ?? []).some((b) => !host.hasBinary(b)) || (req.files ?? []).some((f) => !host.hasFile(f));
  });
}

export type EnsureResult = { ok: true; installed: string[] } | { ok: false; missing: RequirementName[]; message: string };

/** Checks, and installs with apt-get as root where apt-get exists, what `command` needs. Never throws. */
export function ensureSystemPackages(command: Command, host: Host = realHost): EnsureResult {
  const needs = commandNeeds[command];
  let missing = missingRequirements(needs, host);
  if (missing.length === 0) return { ok: true, installed: [] };
  const packages = missing.flatMap((name) => [...requirements[name].packages]);
  if (host.isRoot && host.hasAptGet) {
    host.log(`${typed(command)}: installing ${packages.join(" ")} with apt-get (${missing.map((m) => requirements[m].purpose).join("; ")})…`);
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    const updated = host.run("apt-get", ["update", "-qq"], env) === 0;
    if (updated) host.run("apt-get", ["install", "-y", "-qq", ...packages], env);
    missing = missingRequirements(needs, host);
    if (missing.length === 0) return { ok: true, installed: packages };
  }
  const still = missing.flatMap((name) => [...requirements[name].packages]);
  const lines = [
    `${typed(command)} needs system packages that are not installed: ${still.join(" ")}`,
    ...missing.map((name) => `  - ${requirements[name].purpose}`),
    `Install them, then run ${typed(command)} again:`,
    `  sudo apt-get update && sudo apt-get install -y ${still.join(" ")}`,
  ];
  if (host.isRoot && host.hasAptGet) lines.push("(apt-get ran as root but did not install them: see its output above.)");
  return { ok: false, missing, message: lines.join("\n") };
}

/** For the commands' entry points: returns when ready, otherwise prints the message and exits 1. */
export function requireSystemPackages(command: Command, host: Host = realHost): void {
  const result = ensureSystemPackages(command, host);
  if (!result.ok) {
    host.log(result.message);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const command = process.argv[2];
  if (!command || !(command in commandNeeds)) {
    console.error(`usage: node scripts/system-packages.ts <${Object.keys(commandNeeds).join("|")}>`);
    process.exit(2);
  }
  requireSystemPackages(command as Command);
}
