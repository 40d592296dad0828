// Phone calls' offline speech recognition: the Debian `pocketsphinx_batch` binary and the en-us
// model of pocketsphinx-en-us, whole utterances with the model's own front end (the streaming
// decoder of pocketsphinx-stt.ts recognises 8 kHz phone questions far worse). Non-streaming: AgentSession wraps it in a VAD StreamAdapter and hands over
// one utterance at a time. One warm decoder process per STT serves every utterance, which saves
// the ~0.3 s model load on each; see PocketsphinxDecoder for how utterances reach it.
import { type AudioBuffer, type LanguageCode, getBaseLanguage, normalizeLanguage, stt } from "@livekit/agents";
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Socket } from "node:net";
import { join } from "node:path";
import { POCKETSPHINX_MODELS, POCKETSPHINX_SAMPLE_RATE_HZ, PocketsphinxUnsupportedError, toPocketsphinxPcm, type PocketsphinxModel } from "./pocketsphinx-stt.ts";
import { PocketsphinxDecodeError } from "./pocketsphinx-stream.ts";
import {
  StreamingUnsupportedError,
  killProcessGroup,
  makeScratchDir,
  requireFiles,
  requireSpeechTool,
} from "./speech-tools.ts";

/** pocketsphinx's acoustic model is trained on 16 kHz mono audio. */


interface PocketsphinxBatchOptions {
  /** Catalog model name; only "en-us" (pocketsphinx-en-us) is installed. */
  model?: string;
  /** BCP 47 tag of the speech; must be English (en, en-US, ...). Reported on every transcript. */
  language?: string;
  /** Directory holding en-us/, en-us.lm.bin and cmudict-en-us.dict; defaults to the Debian path. */
  modelDir?: string;
  /** Longest wait for one utterance beyond its own duration before the decoder is restarted. */
  decodeTimeoutMs?: number;
}

const abortError = () => new DOMException("recognition aborted", "AbortError");

interface Pending {
  resolve(result: DecodeResult): void;
  reject(error: Error): void;
}

interface DecodeResult {
  text: string;
  /** pocketsphinx's path score (log domain; higher is better); not a probability. */
  pathScore: number;
  utteranceId: string;
}

// `<hypothesis> (<utterance id> <path score>)`, one line per utterance.
const HYP_LINE = /^(.*?) ?\((u\d+) (-?\d+)\)$/;

/**
 * One long-lived `pocketsphinx_batch`. Each utterance is written as raw 16 kHz PCM to a private
 * scratch directory and its name sent as a line of the control file; the hypothesis comes back as
 * a line of the hyp file. pocketsphinx opens both by path, and Node's stdio are sockets, which
 * cannot be opened through /dev/stdin; so a shell pipeline `cat | pocketsphinx_batch | cat` puts
 * real pipes in between. Utterances may overlap: lines are matched to callers by utterance id.
 */
class PocketsphinxDecoder {
  readonly #binary: string;
  readonly #args: readonly string[];
  #child: ChildProcess | null = null;
  #scratch: { path: string; remove(): void } | null = null;
  readonly #pending = new Map<string, Pending>();
  #stdout = "";
  #sequence = 0;
  #closed = false;

  constructor(binary: string, args: readonly string[]) {
    this.#binary = binary;
    this.#args = args;
  }

  get processId(): number | undefined {
    return this.#child?.pid;
  }

  async decode(pcm16k: Int16Array, timeoutMs: number, signal?: AbortSignal): Promise<DecodeResult> {
    if (this.#closed) throw new PocketsphinxDecodeError("PocketsphinxSTT is closed", false);
    if (signal?.aborted) throw abortError();
    const scratch = this.#ensureScratch();
    const id = `u${++this.#sequence}`;
    const file = join(scratch.path, `${id}.raw`);
    await writeFile(file, new Uint8Array(pcm16k.buffer, pcm16k.byteOffset, pcm16k.byteLength), { mode: 0o600 });
    return new Promise<DecodeResult>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: { error: Error } | { result: DecodeResult }) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(id);
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        // If pocketsphinx has not reached the file yet it logs the miss and skips the line.
        rmSync(file, { force: true });
        if ("error" in outcome) reject(outcome.error);
        else resolve(outcome.result);
      };
      const onAbort = () => settle({ error: abortError() });
      if (this.#closed) return settle({ error: new PocketsphinxDecodeError("PocketsphinxSTT is closed", false) });
      if (signal?.aborted) return onAbort();
      this.#pending.set(id, { resolve: (result) => settle({ result }), reject: (error) => settle({ error }) });
      signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => {
        settle({ error: new PocketsphinxDecodeError(`pocketsphinx gave no result within ${timeoutMs} ms; restarting it`, true) });
        this.#stop(); // a stalled decoder would delay every later utterance too
      }, timeoutMs);
      this.#ensureChild().stdin?.write(`${id}\n`);
    });
  }

  close(): void {
    this.#closed = true;
    this.#stop();
    this.#scratch?.remove();
    this.#scratch = null;
  }

  #ensureScratch(): { path: string; remove(): void } {
    this.#scratch ??= makeScratchDir("pocketsphinx");
    return this.#scratch;
  }

  #ensureChild(): ChildProcess {
    if (this.#child !== null) return this.#child;
    const scratch = this.#ensureScratch();
    const args = [...this.#args, "-cepdir", scratch.path, "-cepext", ".raw", "-ctl", "/dev/stdin", "-hyp", "/dev/stdout"];
    // Own process group (detached) so stopping it ends cat and pocketsphinx too.
    const child = spawn("sh", ["-c", 'cat | "$0" "$@" | cat', this.#binary, ...args], { stdio: ["pipe", "pipe", "ignore"], detached: true });
    this.#child = child;
    this.#stdout = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => this.#onStdout(chunk));
    // The trailing cat ends only when pocketsphinx closed its output: the decoder is gone.
    child.stdout?.once("end", () => this.#onGone(child, "pocketsphinx exited"));
    child.once("error", (err) => this.#onGone(child, `could not start pocketsphinx: ${err.message}`));
    // EPIPE and the like after a crash; the end above reports it.
    child.stdin?.on("error", () => {});
    child.stdout?.on("error", () => {});
    // An idle decoder must not keep the process alive; waiting utterances hold their own timers.
    child.unref();
    for (const stream of [child.stdin, child.stdout]) if (stream instanceof Socket) stream.unref();
    return child;
  }

  #onStdout(chunk: string): void {
    this.#stdout += chunk;
    let newline: number;
    while ((newline = this.#stdout.indexOf("\n")) >= 0) {
      const line = this.#stdout.slice(0, newline).trimEnd();
      this.#stdout = this.#stdout.slice(newline + 1);
      const match = HYP_LINE.exec(line);
      if (match === null) continue;
      const [, text = "", utteranceId = "", score = "0"] = match;
      this.#pending.get(utteranceId)?.resolve({ text: text.trim(), pathScore: Number(score), utteranceId });
    }
  }

  #onGone(child: ChildProcess, reason: string): void {
    if (this.#child === child) this.#stop(reason);
  }

  #stop(reason = "pocketsphinx was stopped"): void {
    const child = this.#child;
    this.#child = null;
    if (child === null) return;
    child.stdin?.destroy();
    killProcessGroup(child.pid);
    // Whatever was waiting on this process will never get its line; the next utterance respawns it.
    const error = new PocketsphinxDecodeError(reason, !this.#closed);
    for (const pending of [...this.#pending.values()]) pending.reject(error);
  }
}

export class PocketsphinxBatchSTT extends stt.STT {
  label = "speaknode.offline.PocketsphinxBatchSTT";
  readonly #model: PocketsphinxModel;
  readonly #language: LanguageCode;
  readonly #decodeTimeoutMs: number;
  readonly #decoder: PocketsphinxDecoder;

  constructor(options: PocketsphinxBatchOptions = {}) {
    super({ streaming: false, interimResults: false });
    const model = options.model ?? "en-us";
    if (!Object.hasOwn(POCKETSPHINX_MODELS, model)) {
      throw new PocketsphinxUnsupportedError(`no pocketsphinx model "${model}"; installed: ${Object.keys(POCKETSPHINX_MODELS).join(", ")}`);
    }
    this.#model = model as PocketsphinxModel;
    const language = normalizeLanguage(options.language ?? "en-US");
    if (getBaseLanguage(language) !== "en") {
      throw new PocketsphinxUnsupportedError(`pocketsphinx model "${model}" recognises English only, not ${language}`);
    }
    this.#language = language;
    this.#decodeTimeoutMs = options.decodeTimeoutMs ?? 10_000;
    const binary = requireSpeechTool("pocketsphinx_batch");
    requireSpeechTool("sh");
    requireSpeechTool("cat");
    const dir = options.modelDir ?? POCKETSPHINX_MODELS[this.#model];
    const [hmm, lm, dict] = [join(dir, "en-us"), join(dir, "en-us.lm.bin"), join(dir, "cmudict-en-us.dict")];
    requireFiles([join(hmm, "mdef"), lm, dict], ["pocketsphinx-en-us"]);
    this.#decoder = new PocketsphinxDecoder(binary, [
      ...["-hmm", hmm, "-lm", lm, "-dict", dict],
      ...["-adcin", "yes", "-samprate", String(POCKETSPHINX_SAMPLE_RATE_HZ)],
      // Per-utterance cepstral mean: each result depends on its own audio only, not on the last caller's.
      ...["-cmn", "batch"],
      // pocketsphinx's log would hold transcripts; errors surface as missing lines instead.
      ...["-logfn", "/dev/null"],
    ]);
  }

  override get model(): string {
    return this.#model;
  }

  override get provider(): string {
    return "pocketsphinx";
  }

  /** Pid of the warm decoder's process group, if it is running (for diagnostics and tests). */
  get decoderProcessId(): number | undefined {
    return this.#decoder.processId;
  }

  /** Starts the decoder now so the first utterance does not pay for loading the model. */
  async warmUp(): Promise<void> {
    // A short silence makes the process load the model and answer once.
    await this.#decoder.decode(new Int16Array(POCKETSPHINX_SAMPLE_RATE_HZ / 5), this.#decodeTimeoutMs);
  }

  protected async _recognize(buffer: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    const pcm = toPocketsphinxPcm(buffer);
    const durationSeconds = pcm.length / POCKETSPHINX_SAMPLE_RATE_HZ;
    let text = "";
    let requestId = "";
    let pathScore: number | null = null;
    if (pcm.length > 0) {
      const result = await this.#decoder.decode(pcm, this.#decodeTimeoutMs + durationSeconds * 1000, abortSignal);
      ({ text, utteranceId: requestId, pathScore } = result);
    }
    return {
      type: stt.SpeechEventType.FINAL_TRANSCRIPT,
      requestId,
      alternatives: [
        {
          language: this.#language,
          text,
          startTime: 0,
          endTime: durationSeconds,
          // The batch CLI reports a path score, not a posterior; 0 says "unknown".
          confidence: 0,
          metadata: { pathScore },
        },
      ],
    };
  }

  stream(): stt.SpeechStream {
    throw new StreamingUnsupportedError(this.label, "stt.StreamAdapter with a VAD");
  }

  override async close(): Promise<void> {
    this.#decoder.close();
  }
}
