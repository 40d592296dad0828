// The LiveKit agent: each dispatch (explicit, by agent name) runs in a job process of LiveKit's
// agent server; its metadata names our session. LiveKit's job loader imports this file and
// requires the definition as the default export. The job itself is in job.ts.
import { defineAgent } from "@livekit/agents";
import { liveKitJob } from "./job.ts";

export default defineAgent(liveKitJob({ env: process.env }));
