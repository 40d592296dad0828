// CLI: node simulators/twilio/src/main.ts --port 8791 --accounts <json file> [--calls-per-second N] [--create-call-latency-ms N]
// The accounts file is an array of AccountConfig (or {"accounts": [...]}); see README.md.
// Prints "speaknode twilio simulator ready <url>" on stdout once it listens (`npm run dev` waits for it).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { AccountConfig } from "./model.ts";
import { startTwilioSimulator } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8791" },
    accounts: { type: "string" },
    "calls-per-second": { type: "string" },
    "create-call-latency-ms": { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`twilio simulator: ${message}\n`);
  process.exit(2);
}

if (!values.accounts) fail("--accounts <json file> is required");
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail("--port must be 0..65535");
let parsed: unknown;
try {
  parsed = JSON.parse(readFileSync(values.accounts, "utf8"));
} catch (err) {
  fail(`cannot read ${values.accounts}: ${err instanceof Error ? err.message : String(err)}`);
}
const list = Array.isArray(parsed) ? parsed : typeof parsed === "object" && parsed !== null && Array.isArray((parsed as { accounts?: unknown }).accounts) ? (parsed as { accounts: unknown[] }).accounts : null;
if (!list) fail("the accounts file must hold an array of accounts or {\"accounts\": [...]}");
const accounts: AccountConfig[] = [];
for (const [i, raw] of list.entries()) {
  const a = raw as Partial<AccountConfig>;
  if (typeof a.accountSid !== "string" || typeof a.authToken !== "string" || !Array.isArray(a.numbers)) fail(`account ${i} needs accountSid, authToken and numbers`);
  for (const n of a.numbers) if (typeof n.sid !== "string" || typeof n.phoneNumber !== "string") fail(`account ${i}: every number needs sid and phoneNumber`);
  accounts.push(a as AccountConfig);
}
const cps = values["calls-per-second"] === undefined ? undefined : Number(values["calls-per-second"]);
if (cps !== undefined && !(cps > 0)) fail("--calls-per-second must be positive");
const latency = values["create-call-latency-ms"] === undefined ? undefined : Number(values["create-call-latency-ms"]);
if (latency !== undefined && !(Number.isInteger(latency) && latency >= 0 && latency <= 60_000)) fail("--create-call-latency-ms must be an integer 0..60000");

const sim = await startTwilioSimulator({
  port,
  accounts,
  ...(cps !== undefined ? { callsPerSecond: cps } : {}),
  ...(latency !== undefined ? { createCallLatencyMs: latency } : {}),
  log: values.quiet ? () => {} : (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`speaknode twilio simulator ready ${sim.url}\n`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    void sim.close().then(() => process.exit(0));
  });
}
