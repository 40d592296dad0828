// The runtime API (/runtime/v1): what the voice runtime calls, with its service token instead of
// a user's or an API key's credentials.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { authenticateRuntime } from "../runtime/middleware.ts";
import { withDatabase } from "../lib/database.ts";
import { runtimeSecurityScheme } from "../runtime/openapi.ts";
import { registerRuntimeCapabilities } from "./runtime-capabilities.ts";
import { registerRuntimeConfig } from "./runtime-config.ts";
import { registerRuntimeEvents } from "./runtime-events.ts";
import { registerRuntimePhoneTransfer } from "./runtime-phone-transfer.ts";
import { registerRuntimeRecording } from "./runtime-recording.ts";
import { registerRuntimeSessionState } from "./runtime-session-state.ts";
import { registerRuntimeSipParticipant } from "./runtime-sip-participant.ts";
import { registerRuntimeSipSessions } from "./runtime-sip-sessions.ts";
import { registerRuntimeTransferConfig } from "./runtime-transfer-config.ts";
import { registerRuntimeWaveform } from "./runtime-waveform.ts";

export function registerRuntimeApi(app: OpenAPIHono<AppEnv>): void {
  // Authenticate before opening a database connection: refused requests cost nothing.
  app.use("/runtime/*", authenticateRuntime(), withDatabase());
  app.openAPIRegistry.registerComponent("securitySchemes", runtimeSecurityScheme, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A runtime service token: HS256 JWT with audience speaknode:runtime, signed with the runtime token secret",
  });
  registerRuntimeConfig(app);
  registerRuntimeSessionState(app);
  registerRuntimeTransferConfig(app);
  registerRuntimeEvents(app);
  registerRuntimeRecording(app);
  registerRuntimeWaveform(app);
  registerRuntimePhoneTransfer(app);
  registerRuntimeSipSessions(app);
  registerRuntimeSipParticipant(app);
  registerRuntimeCapabilities(app);
}
