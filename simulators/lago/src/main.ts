// CLI: node simulators/lago/src/main.ts --port 8795 --api-key <key> [--hmac-key <key>] [--quiet]
// Prints "speaknode lago simulator ready <url>" on stdout once it listens; log lines go to stderr.
import { parseArgs } from "node:util";
import { startLagoSimulator } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8795" },
    "api-key": { type: "string" },
    "hmac-key": { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !values["api-key"]) {
  process.stderr.write("lago simulator: --api-key <key> is required and --port must be 0..65535\n");
  process.exit(2);
}
const sim = await startLagoSimulator({
  port,
  apiKey: values["api-key"],
  ...(values["hmac-key"] ? { hmacKey: values["hmac-key"] } : {}),
  ...(values.quiet ? {} : { log: (line: string) => process.stderr.write(`lago simulator: ${line}\n`) }),
});
process.stdout.write(`speaknode lago simulator ready ${sim.url}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
