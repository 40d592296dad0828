// A Twilio media stream as a call: the local transport's call (audio, background, close) plus the
// phone line (keys both ways, the answering-machine verdict). The session runner takes it as is.
import type { CallIo } from "../../session/runner.ts";
import { localCallIo } from "../local/call-io.ts";
import type { TwilioMediaChannel } from "./channel.ts";

export function twilioCallIo(channel: TwilioMediaChannel): CallIo {
  return { ...localCallIo(channel), phone: channel.phone };
}
