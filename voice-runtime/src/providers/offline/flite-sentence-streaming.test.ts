import { tokenize, tts } from "@livekit/agents";
import { ReadableStream } from "node:stream/web";
import { afterEach, expect, it } from "vitest";
import { FliteTTS } from "./flite-tts.ts";

// FliteTTS has no streaming mode; the session's TTS node wraps it exactly like this (agent.js:
// `new TTSStreamAdapter(tts, new BasicSentenceTokenizer(...))`) and feeds it the LLM's text as it
// streams. The caller must hear the first sentence while the rest of the reply is still coming.
const open: FliteTTS[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

it("speaks the first sentence of a streamed reply before the rest of the reply is written", async () => {
  const voice = new FliteTTS({ voice: "rms" });
  open.push(voice);
  const adapter = new tts.StreamAdapter(voice, new tokenize.basic.SentenceTokenizer());
  let firstAudio: () => void = () => {};
  const heard = new Promise<void>((resolve) => (firstAudio = resolve));
  let replyFinished = false;
  // The LLM's deltas: one sentence and the start of the next, then nothing until the caller hears
  // audio (10 s at most, so that a failing run ends).
  const text = new ReadableStream<string>({
    async start(controller) {
      for (const delta of ["Thanks for calling ", "the store today. ", "Your order number ", "forty two "]) controller.enqueue(delta);
      await Promise.race([heard, new Promise((r) => setTimeout(r, 10_000))]);
      controller.enqueue("is on its way.");
      replyFinished = true;
      controller.close();
    },
  });
  const stream = adapter.stream();
  stream.updateInputStream(text);
  let heardBeforeReplyFinished: boolean | undefined;
  let frames = 0;
  for await (const audio of stream) {
    if (audio === tts.SynthesizeStream.END_OF_STREAM) break;
    frames++;
    if (heardBeforeReplyFinished === undefined) {
      heardBeforeReplyFinished = !replyFinished;
      firstAudio();
    }
  }
  stream.close();
  await adapter.close();
  expect(heardBeforeReplyFinished).toBe(true);
  expect(frames).toBeGreaterThan(50); // both sentences were spoken in the end (> 1 s of audio)
});
