import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { testAccount } from "./test-harness.ts";

const root = resolve(import.meta.dirname, "../../..");

describe("the simulator's command line", () => {
  it("prints its ready line with the URL it serves Twilio's REST API on, and exits on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "twilio-sim-cli-"));
    const accounts = join(dir, "accounts.json");
    writeFileSync(accounts, JSON.stringify({ accounts: [{ ...testAccount, numbers: [{ sid: "PN00000000000000000000000000000001", phoneNumber: "+15550000001" }] }] }));
    const child = spawn(join(root, "node_modules/.bin/node"), ["simulators/twilio/src/main.ts", "--port", "0", "--accounts", accounts, "--quiet"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /speaknode twilio simulator ready (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
          if (m?.[1]) ok(m[1]);
        });
        child.on("exit", (code) => fail(new Error(`exited ${code}`)));
      });
      const res = await fetch(`${url}/2010-04-01/Accounts/${testAccount.accountSid}/IncomingPhoneNumbers.json`, { headers: { authorization: `Basic ${Buffer.from(`${testAccount.accountSid}:${testAccount.authToken}`).toString("base64")}` } });
      expect(((await res.json()) as { incoming_phone_numbers: { phone_number: string }[] }).incoming_phone_numbers.map((n) => n.phone_number)).toEqual(["+15550000001"]);
      const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start without an accounts file", async () => {
    const child = spawn(join(root, "node_modules/.bin/node"), ["simulators/twilio/src/main.ts", "--port", "0"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const code = await new Promise<number | null>((ok) => child.on("exit", (c) => ok(c)));
    expect(code).toBe(2);
  });
});
