import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { crossDeployableImports } from "./deployable-imports.ts";

describe("imports between deployables", () => {
  it("refuses a Durable Object that imports the Worker's internals, however the import is written", () => {
    const files = [
      { path: "durable-objects/session-room/index.ts", text: 'import { readConfig } from "../../workers/src/config.ts";' },
      { path: "durable-objects/session-room/a.ts", text: 'export { x } from "../../workers/src/x.ts";' },
      { path: "durable-objects/session-room/b.ts", text: 'const m = await import("../../workers/src/y.ts");' },
      { path: "durable-objects/session-room/c.ts", text: 'import "../../workers/src/side-effect.ts";' },
    ];
    expect(crossDeployableImports(files)).toHaveLength(4);
    // The campaign runner's exception is its own: a sibling folder does not inherit it.
    expect(crossDeployableImports([{ path: "durable-objects/campaign-runnerx/a.ts", text: 'import { x } from "../../workers/src/x.ts";' }])).toHaveLength(1);
    expect(crossDeployableImports(files)[0]).toMatch(/^durable-objects\/session-room\/index\.ts:1 imports workers\//);
  });

  it("allows packages, the deployable's own files, and the Worker exporting the Durable Objects it hosts", () => {
    expect(
      crossDeployableImports([
        { path: "durable-objects/session-room/index.ts", text: 'import { a } from "./storage.ts";\nimport { b } from "../../packages/db/src/index.ts";\nimport { c } from "@speaknode/contracts";' },
        { path: "workers/src/index.ts", text: 'export { SessionRoom } from "../../durable-objects/session-room/index.ts";' },
        // The CampaignRunner dials through the Worker's outbound path (it ships in the Worker's script).
        { path: "durable-objects/campaign-runner/tick.ts", text: 'import { placeOutboundCall } from "../../workers/src/telephony/outbound.ts";' },
        { path: "scripts/bench.ts", text: 'import { x } from "../workers/src/app.ts";' },
      ]),
    ).toEqual([]);
  });

  it("refuses the runtime or the dashboard reaching into the Worker", () => {
    expect(crossDeployableImports([{ path: "voice-runtime/src/a.ts", text: 'import { x } from "../../workers/src/config.ts";' }])).toHaveLength(1);
    expect(crossDeployableImports([{ path: "dashboard/src/a.ts", text: 'import type { X } from "../../durable-objects/session-room/index.ts";' }])).toHaveLength(1);
  });

  it("holds for every file in the repository", () => {
    const paths = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.tsx"], { encoding: "utf8" })
      .split("\n")
      .filter((f) => f && !f.includes("node_modules/"));
    const files = paths.flatMap((path) => {
      try {
        return [{ path, text: readFileSync(path, "utf8") }];
      } catch {
        return []; // deleted in the work tree
      }
    });
    expect(crossDeployableImports(files)).toEqual([]);
  });
});
