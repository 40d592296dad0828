// Builds the widget into widget/dist with esbuild: the loader (IIFE, what host pages include),
// the lazily imported widget and LiveKit chunks (ES modules), with the audio worklets compiled
// first and inlined into the widget. Reports gzipped sizes against the budgets; used by
// build.ts and by the bench.
import { mkdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type BuildOptions } from "esbuild";

export const loaderBudgetGzipBytes = 2048;
export const bundleBudgetGzipBytes = 30_720;

export const widgetDir = dirname(fileURLToPath(import.meta.url));
export const distDir = join(widgetDir, "dist");

export interface BuiltFile {
  name: string;
  path: string;
  bytes: number;
  gzipBytes: number;
}

export interface WidgetBuild {
  files: BuiltFile[];
  loaderGzipBytes: number;
  bundleGzipBytes: number;
}

const common: BuildOptions = {
  bundle: true,
  minify: true,
  target: "es2020",
  platform: "browser",
  tsconfig: join(widgetDir, "tsconfig.json"),
  legalComments: "none",
  logLevel: "warning",
};

async function compileWorklets(): Promise<string> {
  const result = await build({ ...common, entryPoints: [join(widgetDir, "src/widget/media/worklets/audio.worklet.ts")], format: "iife", write: false });
  const output = result.outputFiles[0];
  if (!output) throw new Error("esbuild produced no worklet output");
  return output.text;
}

async function measure(name: string): Promise<BuiltFile> {
  const path = join(distDir, name);
  const bytes = await readFile(path);
  return { name, path, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength };
}

export async function buildWidget(): Promise<WidgetBuild> {
  await rm(distDir, { recursive: true, force: true });
  await mkdir(distDir, { recursive: true });
  const worklets = await compileWorklets();
  await Promise.all([
    build({ ...common, entryPoints: [join(widgetDir, "src/loader.ts")], format: "iife", outfile: join(distDir, "speaknode-widget-loader.js") }),
    build({
      ...common,
      entryPoints: [join(widgetDir, "src/widget/index.tsx")],
      format: "esm",
      outfile: join(distDir, "speaknode-widget.js"),
      define: { __SPEAKNODE_WORKLET_SOURCE__: JSON.stringify(worklets) },
    }),
    // livekit-client carries Apache-2.0 notices; they stay with its chunk.
    build({ ...common, entryPoints: [join(widgetDir, "src/livekit/index.ts")], format: "esm", outfile: join(distDir, "speaknode-livekit.js"), legalComments: "eof" }),
  ]);
  const files = await Promise.all(["speaknode-widget-loader.js", "speaknode-widget.js", "speaknode-livekit.js"].map(measure));
  const size = (name: string): number => files.find((f) => f.name === name)?.gzipBytes ?? 0;
  return { files, loaderGzipBytes: size("speaknode-widget-loader.js"), bundleGzipBytes: size("speaknode-widget.js") };
}
