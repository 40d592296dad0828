// What the sessions pages say about a session in words people read, without the DOM: how it ended
// (the runtime's end reasons and the platform's failure reasons, e.g. `caller_hung_up`,
// `tts error: provider_unavailable`, `runtime lost`), what a stored error means, and who was on
// the other end (a phone number, a web visitor's short id, a test call) instead of a raw id.
// The reasons are the ones set by voice-runtime/src/session (end reasons), the SessionRoom's
// deadlines, workers/src/runtime/events.ts (`<stage> error: <code>`) and workers/src/telephony.
import { maskPhoneNumber } from "../../../packages/phone/src/light.ts";
import type { Session } from "../../../packages/contracts/src/sessions.ts";
import { callStatusLabel, otherParty } from "./session-phone.ts";

/** The runtime's stages (RuntimeStage) as people name them. */
const stageWords: Record<string, string> = {
  media: "audio connection",
  vad: "voice detection",
  stt: "speech-to-text provider",
  llm: "language model",
  tts: "text-to-speech provider",
  tool: "tool",
  runtime: "voice runtime",
};

const stageOf = (stage: unknown) => (typeof stage === "string" ? (stageWords[stage] ?? `${stage} stage`) : "voice runtime");

/** What went wrong at a stage, for the runtime's error codes (lower case, to follow "Failed: "). */
function stageProblem(stage: unknown, code: string): string {
  const what = stageOf(stage);
  switch (code) {
    case "provider_unavailable":
      return `the ${what} could not start`;
    case "media_lost":
      return "the audio connection was lost";
    case "runtime_error":
      return stage === "runtime" || stage === undefined ? "the voice runtime ran into an error" : `the ${what} ran into an error`;
    case "stt_failed":
    case "llm_failed":
    case "tts_failed":
      return `the ${what} stopped working`;
    case "session_closed":
      return "the platform closed the session";
    default:
      return `the ${what} reported ${humanize(code)}`;
  }
}

/** End reasons of completed sessions (the runtime's snake_case codes). */
const endWords: Record<string, string> = {
  caller_hung_up: "The caller hung up",
  agent_ended_call: "The agent ended the call",
  agent_session_closed: "The agent ended the conversation",
  token_limit: "The token limit was reached",
  transferred: "Transferred to a person",
  voicemail: "Voicemail: the agent hung up",
  voicemail_left: "Voicemail: the agent left a message",
  agent_failed: "The agent failed",
};

/** Failure reasons the platform sets in words already, mapped to sentences (keys lower case). */
const failureWords: Record<string, string> = {
  "agent did not join": "Failed: no voice runtime picked the session up in time",
  "runtime lost": "Failed: the voice runtime stopped responding",
  "maximum duration reached": "Maximum duration reached",
  "session could not be created": "Failed: the session could not be created",
  "media unavailable": "Failed: no audio connection was available",
  "ended from the platform": "Ended from the dashboard or the API",
  busy: "The line was busy",
  "no answer": "Nobody answered",
  "call failed": "Failed: the call could not be connected",
  canceled: "The call was canceled",
  "call ended before the agent joined": "The call ended before the agent joined",
};

const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
const humanize = (code: string) => code.replaceAll("_", " ").trim();
/** A sentence continued after a colon: "The OpenAI…" → "the OpenAI…", names ("Twilio refused…") kept. */
const continued = (s: string) => s.replace(/^(The|A|An|No|This|That|It|There)\b/, (w) => w.toLowerCase());

/** A failure reason in words: `tts error: provider_unavailable` → "Failed: the text-to-speech provider could not start". */
export function describeFailure(reason: string | null): string {
  const trimmed = reason?.trim() ?? "";
  if (!trimmed) return "Failed";
  const known = failureWords[trimmed.toLowerCase()];
  if (known) return known;
  const staged = /^([a-z]+) error: ([a-z0-9_.]+)$/.exec(trimmed);
  if (staged) return `Failed: ${stageProblem(staged[1], staged[2]!)}`;
  // Telephony and limit reasons are sentences already ("Twilio refused the destination").
  return `Failed: ${continued(trimmed)}`;
}

/** How a session ended (or where it is), as one sentence for the list's Reason column and the detail page. */
export function describeEnd(session: Pick<Session, "status" | "endReason" | "failureReason">): string {
  switch (session.status) {
    case "pending":
      return "Waiting to start";
    case "dispatching":
      return "Waiting for the agent to join";
    case "active":
      return "In progress";
    case "failed":
      return describeFailure(session.failureReason);
    case "completed": {
      const reason = session.endReason?.trim();
      if (!reason) return "Completed";
      return endWords[reason] ?? capitalize(humanize(reason));
    }
  }
}

/** Whether a runtime message reads as a sentence for people rather than a bare code or a stack. */
export function isHumanMessage(message: unknown): message is string {
  if (typeof message !== "string") return false;
  const text = message.trim();
  if (text.length < 12 || text.length > 600) return false;
  if (/\n\s+at\s/.test(text) || /^[A-Z][A-Za-z]*Error\b/.test(text)) return false; // a stack trace or an exception's own name
  return text.split(/\s+/).length >= 4;
}

/** An error stored with a session (`errors[].detail`: stage, code, message, fatal) as a sentence. */
export function describeError(detail: Record<string, unknown> | null): string {
  if (!detail) return "An error without details";
  const code = typeof detail["code"] === "string" ? detail["code"] : null;
  const stage = detail["stage"];
  const head = code ? capitalize(stageProblem(stage, code)) : typeof stage === "string" ? `The ${stageOf(stage)} reported an error` : "An error";
  const message = detail["message"];
  if (!isHumanMessage(message)) return `${head}.`;
  const said = message.trim().replace(/[.!]$/, "");
  return `${head}: ${continued(said)}.`;
}

/** An id cut for reading: its first six letters or digits after any `xxx_` prefix. */
export function shortId(id: string): string {
  return id.replace(/^[a-z]+_/, "").replace(/[^a-zA-Z0-9]/g, "").slice(0, 6).toLowerCase();
}

/** A UUID, a prefixed id (`usr_…`) or another long token nobody reads. */
export const looksLikeId = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) || /^[a-z]{2,6}_[A-Za-z0-9]{8,}$/.test(value) || /^[A-Za-z0-9_-]{20,}$/.test(value);

export interface CallerWords {
  /** What the Caller column shows. */
  text: string;
  /** The full value behind it (the caller id or number), for a tooltip; null when there is none. */
  title: string | null;
  /** A phone number: shown in the phone-number style. */
  phone: boolean;
}

/**
 * Who the session was with. Phone sessions: the other party's number (masked in lists, whole on the
 * detail page); widget and web: "Web visitor · 1a2b3c" from the visitor id; test calls: "Test call"
 * (or "Test · <name>" when the caller is a name); API sessions: "API" or the caller id the API gave.
 */
export function describeCaller(session: Pick<Session, "channel" | "caller" | "phone">, opts: { masked?: boolean } = {}): CallerWords {
  const masked = opts.masked ?? true;
  const phone = session.phone ? otherParty(session.phone) : null;
  if (phone) return { text: masked ? maskPhoneNumber(phone) : phone, title: null, phone: true };
  const caller = session.caller?.trim() || null;
  const byId = (label: string) => (caller ? { text: looksLikeId(caller) ? `${label} · ${shortId(caller)}` : `${label} · ${caller}`, title: caller, phone: false } : { text: label, title: null, phone: false });
  switch (session.channel) {
    case "widget":
    case "web":
      return byId("Web visitor");
    case "test":
      return caller && !looksLikeId(caller) ? { text: `Test · ${caller}`, title: caller, phone: false } : { text: "Test call", title: caller, phone: false };
    case "api":
      return byId("API");
    case "campaign":
      return byId("Campaign");
    case "phone":
      return caller ? { text: masked ? maskPhoneNumber(caller) : caller, title: null, phone: true } : { text: "Unknown number", title: null, phone: false };
  }
}

/** A call's hang-up cause (`busy (sip 486, error 31486)`) with the status in words: "Busy (SIP 486, error 31486)". */
export function describeHangupCause(cause: string | null): string {
  if (!cause) return "—";
  const m = /^([a-z-]+)(?: \((.*)\))?$/.exec(cause.trim());
  if (!m) return cause;
  const extras = m[2]?.replace(/\bsip\b/g, "SIP");
  return extras ? `${callStatusLabel(m[1]!)} (${extras})` : callStatusLabel(m[1]!);
}

/** Channels as people name them (the list's column and filter, the detail page). */
export const channelLabel: Record<Session["channel"], string> = { api: "API", widget: "Widget", web: "Web", phone: "Phone", campaign: "Campaign", test: "Test call" };

/**
 * What the detail page's recording card shows: the player, a wait while live or while the audio is
 * being stored, or nothing at all (a failed session, or one that stored no audio: no empty player).
 */
export function recordingView(session: { status: Session["status"]; recordings: { track: string }[] }, audioAvailable: boolean): "player" | "live" | "storing" | null {
  if (session.recordings.some((r) => r.track === "composite")) return "player";
  if (session.status === "failed") return null;
  if (session.status === "completed") return audioAvailable ? "storing" : null;
  return "live";
}
