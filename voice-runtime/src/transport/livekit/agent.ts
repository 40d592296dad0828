// The LiveKit agent: each dispatch (explicit, by agent name) runs in a job process of LiveKit's
// agent server; its metadata names our session. LiveKit's job loader imports this file and
// requires the definition as the default export.
import { defineAgent, type JobContext, type JobProcess } from "@livekit/agents";
import { VadSettings } from "@speaknode/contracts";
import { loadSettings } from "../../config.ts";
import { runnerDeps } from "../../deps.ts";
import { errorFields, log, setLogLevel } from "../../log.ts";
import { runSession } from "../../session/runner.ts";
import { sessionOfDispatch } from "./metadata.ts";
import { roomCallIo } from "./room-io.ts";

export default defineAgent({
  prewarm: async (_proc: JobProcess) => {
    // Load the VAD model once before the first call reaches this process (warms the OS cache).
    await runnerDeps(loadSettings(process.env)).providers.vad(VadSettings.parse({}));
  },
  entry: async (ctx: JobContext) => {
    const settings = loadSettings(process.env);
    setLogLevel(settings.logLevel);
    const sessionId = sessionOfDispatch(ctx.job.metadata);
    if (!sessionId) {
      log.error("dispatch without a session id in its metadata; leaving the room", { roomName: ctx.job.room?.name });
      ctx.shutdown("bad dispatch metadata");
      return;
    }
    await ctx.connect();
    const deps = runnerDeps(settings);
    try {
      await runSession(roomCallIo(ctx, sessionId), deps);
    } catch (err) {
      log.error("session crashed", { sessionId: sessionId, ...errorFields(err) });
    }
  },
});
