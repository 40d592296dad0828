// The offline speech engines of the embedded default come from Debian packages (no npm package
// ships them): flite speaks, pocketsphinx listens, sox converts test audio. Installs them when it
// can (root with apt-get, as in CI), and otherwise says exactly what to install.
import { spawnSync } from "node:child_process";

export const speechPackages = ["flite", "pocketsphinx", "pocketsphinx-en-us", "sox"];
const binaries = ["flite", "pocketsphinx_batch", "sox"];

function missingBinaries(): string[] {
  return binaries.filter((bin) => spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status !== 0);
}

/** True when the speech engines are present (after installing them if this process may). */
export function ensureSpeechPackages(opts: { install: boolean; log?: (line: string) => void }): boolean {
  const log = opts.log ?? ((line: string) => console.log(line));
  if (missingBinaries().length === 0) return true;
  const canApt = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (opts.install && canApt) {
    log(`Installing the offline speech engines (${speechPackages.join(" ")}) with apt-get…`);
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    const install = update.status === 0 ? spawnSync("apt-get", ["install", "-y", "-qq", ...speechPackages], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }) : update;
    if (install.status === 0 && missingBinaries().length === 0) return true;
  }
  log(
    [
      `The offline speech engines are missing (${missingBinaries().join(", ")}): the demo agent cannot listen or speak without them.`,
      `  Debian/Ubuntu: sudo apt-get install -y ${speechPackages.join(" ")}`,
      "  macOS (Homebrew): brew install flite cmu-pocketsphinx sox",
      "Agents on cloud providers (OpenAI, Deepgram, ElevenLabs, Cartesia) do not need them.",
    ].join("\n"),
  );
  return false;
}
