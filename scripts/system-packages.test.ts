import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chromiumPath, commandNeeds, ensureSystemPackages, requirements, type Host } from "./system-packages.ts";

/** A machine with some binaries and files, where apt-get "installs" by adding what the packages provide. */
function fakeHost(o: { binaries?: string[]; files?: string[]; isRoot: boolean; hasAptGet?: boolean; aptWorks?: boolean }): Host & { ran: string[][]; logged: string[] } {
  const binaries = new Set(o.binaries ?? []);
  const files = new Set(o.files ?? []);
  const ran: string[][] = [];
  const logged: string[] = [];
  return {
    ran,
    logged,
    isRoot: o.isRoot,
    hasAptGet: o.hasAptGet ?? true,
    hasBinary: (name) => binaries.has(name),
    hasFile: (path) => files.has(path),
    run(cmd, args) {
      ran.push([cmd, ...args]);
      if (o.aptWorks === false) return 100;
      if (args[0] === "install") {
        for (const req of Object.values(requirements)) {
          if (!req.packages.every((p) => args.includes(p))) continue;
          for (const b of "binaries" in req ? req.binaries : []) binaries.add(b);
          for (const f of req.files) files.add(f);
        }
      }
      return 0;
    },
    log: (line) => logged.push(line),
  };
}

const everything = {
  binaries: [...requirements.speech.binaries, ...requirements.postgres.binaries],
  files: [...requirements.speech.files, ...requirements.browser.files],
};

describe("system packages of the README commands", () => {
  it("test and bench need Chromium and a real PostgreSQL besides the speech engines; dev and call only the speech engines", () => {
    expect(commandNeeds.test).toEqual(["speech", "browser", "postgres"]);
    expect(commandNeeds.bench).toEqual(["speech", "browser", "postgres"]);
    expect(commandNeeds.dev).toEqual(["speech"]);
    expect(commandNeeds.call).toEqual(["speech"]);
    expect(commandNeeds["campaign:demo"]).toEqual(["speech"]);
    expect(requirements.browser.files).toContain(chromiumPath);
  });

  it("does nothing when everything is there", () => {
    const host = fakeHost({ ...everything, isRoot: true });
    expect(ensureSystemPackages("test", host)).toEqual({ ok: true, installed: [] });
    expect(host.ran).toEqual([]);
  });

  it("as root, installs exactly the missing packages with apt-get (update first)", () => {
    const host = fakeHost({ binaries: [...requirements.speech.binaries, ...requirements.postgres.binaries], files: [...requirements.speech.files], isRoot: true });
    const result = ensureSystemPackages("test", host);
    expect(result).toEqual({ ok: true, installed: ["chromium", "chromium-driver"] });
    expect(host.ran).toEqual([
      ["apt-get", "update", "-qq"],
      ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"],
    ]);
  });

  it("the real-Postgres run (.ci/run) installs Debian's postgresql as root when its cluster tools are missing, and only that", () => {
    const host = fakeHost({ isRoot: true });
    expect(ensureSystemPackages("test:postgres", host)).toEqual({ ok: true, installed: ["postgresql"] });
    expect(host.ran.at(-1)).toEqual(["apt-get", "install", "-y", "-qq", "postgresql"]);
    const user = fakeHost({ isRoot: false });
    const result = ensureSystemPackages("test:postgres", user);
    expect(result.ok || result.message).toContain("sudo apt-get update && sudo apt-get install -y postgresql");
  });

  it("without root, installs nothing and names the command to run and the command to rerun", () => {
    const host = fakeHost({ isRoot: false });
    const result = ensureSystemPackages("bench", host);
    expect(host.ran).toEqual([]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.missing).toEqual(["speech", "browser", "postgres"]);
    expect(result.message).toContain("sudo apt-get update && sudo apt-get install -y flite pocketsphinx pocketsphinx-en-us python3-pocketsphinx sox chromium chromium-driver postgresql");
    expect(result.message).toContain("then run npm run bench again");
  });

  it("when apt-get fails, says so and still names the command instead of throwing", () => {
    const host = fakeHost({ isRoot: true, aptWorks: false });
    const result = ensureSystemPackages("dev", host);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain("sudo apt-get update && sudo apt-get install -y flite pocketsphinx pocketsphinx-en-us python3-pocketsphinx sox");
    expect(result.message).toContain("apt-get ran as root but did not install them");
    expect(result.message).not.toContain("chromium");
  });

  it("a partial install (a binary without the language model) counts as missing", () => {
    const host = fakeHost({ binaries: [...requirements.speech.binaries], files: [...requirements.browser.files], isRoot: false });
    const result = ensureSystemPackages("call", host);
    expect(result.ok).toBe(false);
  });

  it("its command line refuses an unknown command with a usage line, not a stack trace", () => {
    const out = spawnSync(process.execPath, [join(import.meta.dirname, "system-packages.ts"), "deploy"], { encoding: "utf8" });
    expect(out.status).toBe(2);
    expect(out.stderr.trim()).toBe("usage: node scripts/system-packages.ts <dev|call|campaign:demo|test|bench|test:postgres>");
  });
});
