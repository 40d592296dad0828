// @livekit/agents refuses to log (and so to run) before its logger is initialised; our own
// structured logs show warnings and errors in tests (RUNTIME_TEST_LOG_LEVEL changes that).
import { initializeLogger } from "@livekit/agents";
import { setLogLevel } from "../src/log.ts";

const level = process.env["RUNTIME_TEST_LOG_LEVEL"];
initializeLogger({ pretty: false, level: level ?? "error" });
// Warnings stay on: some tests check that a degraded path says why.
setLogLevel(level === "debug" || level === "info" || level === "error" ? level : "warn");
