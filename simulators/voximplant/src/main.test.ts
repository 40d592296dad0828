import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { api, testAccount } from "./test-harness.ts";

const root = resolve(import.meta.dirname, "../../..");
const node = join(root, "node_modules/.bin/node");

describe("the simulator's command line", () => {
  it("prints its ready line with the URL it serves the Management API on, and exits 0 on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voximplant-sim-cli-"));
    const accounts = join(dir, "accounts.json");
    writeFileSync(accounts, JSON.stringify({ accounts: [testAccount] }));
    const child = spawn(node, ["simulators/voximplant/src/main.ts", "--port", "0", "--accounts", accounts, "--quiet"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /speaknode voximplant simulator ready (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
          if (m?.[1]) ok(m[1]);
        });
        child.on("exit", (code) => fail(new Error(`exited ${code}`)));
      });
      const numbers = await api(url, "GetPhoneNumbers", {});
      expect((numbers.result as { phone_number: string }[]).map((n) => n.phone_number)).toEqual(["15555550200", "15555550201"]);
      const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start without an accounts file, or with a malformed one", async () => {
    const exitOf = (args: string[]) =>
      new Promise<number | null>((ok) => spawn(node, ["simulators/voximplant/src/main.ts", "--port", "0", ...args], { cwd: root, stdio: "ignore" }).on("exit", (c) => ok(c)));
    expect(await exitOf([])).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), "voximplant-sim-cli-"));
    try {
      writeFileSync(join(dir, "bad.json"), JSON.stringify([{ accountId: "x" }]));
      expect(await exitOf(["--accounts", join(dir, "bad.json")])).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
