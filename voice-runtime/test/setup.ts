// @livekit/agents refuses to log (and so to run) before its logger is initialised.
import { initializeLogger } from "@livekit/agents";

initializeLogger({ pretty: false, level: process.env["RUNTIME_TEST_LOG_LEVEL"] ?? "error" });
