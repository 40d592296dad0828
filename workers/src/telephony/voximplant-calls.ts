// The call flows' way into VoxImplant calls: placing one (outbound.ts) and controlling a live one
// (transfer.ts, hangup.ts). One file, so wiring helper C's functions is one change.
//
// TODO(lead): helper C's voximplant/outbound.ts (`startVoximplantCall`, `voximplantCallRefusal`) and
// voximplant/control.ts (`controlVoximplantCall`) had not landed when this was written. Wire them:
// - placeVoximplantCall: `const started = await startVoximplantCall(deps, { connection: d.connection,
//   sessionId: d.sessionId, agentId: d.agentId, from: d.from, to: d.to, ringTimeoutS: d.ringTimeoutS,
//   timeLimitS: d.timeLimitS })` → `{ providerCallId: started.providerCallId, providerStatus: "initiated",
//   reportedCallId: started.providerCallId, controlUrl: started.controlUrl }`; on an error
//   `const r = voximplantCallRefusal(err); await d.fail(r.reason); throw r.error`.
// - controlVoximplant: `controlVoximplantCall(config, controlUrl, command)`.
// Until then both answer 409 (and a call not placed fails its session), never a 500.
import type { Config } from "../config.ts";
import { ApiError } from "../errors.ts";
import type { DialDeps, PlacedCall, ProviderDial } from "./outbound-dial.ts";

export type VoximplantCommand = { command: "hangup" } | { command: "transfer"; to: string; from: string };

export async function placeVoximplantCall(_deps: DialDeps, d: ProviderDial): Promise<PlacedCall> {
  await d.fail("calls through VoxImplant connections are not wired yet");
  throw new ApiError("conflict", "calls through VoxImplant connections are not supported yet");
}

export async function controlVoximplant(_config: Config, controlUrl: string | null, _command: VoximplantCommand): Promise<void> {
  if (!controlUrl) throw new ApiError("conflict", "the VoxImplant call has no control URL yet; it cannot be reached from here");
  throw new ApiError("conflict", "controlling VoxImplant calls is not supported yet");
}
