// Starts scripts/embedded-db.ts as a child process and waits for its JSON line.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface DbProcess {
  databaseUrl: string;
  localProxy: string;
  kind: "pglite" | "external";
  stop(): Promise<void>;
}

export function startDbProcess(): Promise<DbProcess> {
  const script = fileURLToPath(new URL("../../scripts/embedded-db.ts", import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error("embedded database did not start in 60 s")), 60_000);
    child.once("exit", (code) => reject(new Error(`embedded database exited with ${code}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split("\n")[0];
      if (!buffer.includes("\n") || !line) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as Omit<DbProcess, "stop">;
      resolve({
        ...info,
        stop: () =>
          new Promise<void>((done) => {
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
  });
}
