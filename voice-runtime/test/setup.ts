// @livekit/agents refuses to log (and so to run) before its logger is initialised; our own
// structured logs stay quiet in tests unless RUNTIME_TEST_LOG_LEVEL asks for them.
import { initializeLogger } from "@livekit/agents";
import { setLogLevel } from "../src/log.ts";

const level = process.env["RUNTIME_TEST_LOG_LEVEL"];
initializeLogger({ pretty: false, level: level ?? "error" });
setLogLevel(level === "debug" || level === "info" || level === "warn" ? level : "error");
