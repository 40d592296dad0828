// CLI: node simulators/voximplant/src/main.ts --port 8793 --accounts <json file> [--quiet]
// The accounts file is an array of accounts (or {"accounts": [...]}); see README.md.
// Prints "speaknode voximplant simulator ready <url>" on stdout once it listens (`npm run dev` waits
// for it); log lines go to stderr. SIGINT/SIGTERM end every session and its calls, then exit 0.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { accountsFileSchema } from "./model.ts";
import { startVoximplantSimulator } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8793" },
    accounts: { type: "string" },
    "no-answer-timeout-ms": { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`voximplant simulator: ${message}\n`);
  process.exit(2);
}

if (!values.accounts) fail("--accounts <json file> is required");
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail("--port must be 0..65535");
let raw: unknown;
try {
  raw = JSON.parse(readFileSync(values.accounts, "utf8"));
} catch (err) {
  fail(`cannot read ${values.accounts}: ${err instanceof Error ? err.message : String(err)}`);
}
const parsed = accountsFileSchema.safeParse(raw);
if (!parsed.success) fail(`bad accounts file: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
const noAnswer = values["no-answer-timeout-ms"] === undefined ? undefined : Number(values["no-answer-timeout-ms"]);
if (noAnswer !== undefined && !(Number.isInteger(noAnswer) && noAnswer >= 0 && noAnswer <= 600_000)) fail("--no-answer-timeout-ms must be an integer 0..600000");

const sim = await startVoximplantSimulator({
  port,
  accounts: parsed.data.map((a) => ({ ...a })),
  ...(noAnswer !== undefined ? { noAnswerTimeoutMs: noAnswer } : {}),
  log: values.quiet ? () => {} : (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`speaknode voximplant simulator ready ${sim.url}\n`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    void sim.close().then(() => process.exit(0));
  });
}
