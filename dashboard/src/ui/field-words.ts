// Form errors in the words people read, one map for every form: a field's path as the API or zod
// reports it (`body.widget.theme.primaryColor`, `locales.0.tts.voice`) becomes the label the form
// shows ("Widget · Primary colour", "English (en) · Voice"), and zod's default texts ("Too small:
// expected string to have >=1 characters", "Invalid input") become short sentences that follow
// the label ("must not be empty"). Messages a schema wrote for people pass through unchanged.
import { languageLabel } from "../stores/language-label.ts";

/** Where a field's label depends on the data: the agent's locales, to name a locale by its language. */
export interface LabelContext {
  locales?: readonly { language: string }[];
}

/** Whole paths (after `body.`), for fields whose label is not just their name in words. */
const exact: Record<string, string> = {
  systemPrompt: "System prompt",
  maxTokensPerConversation: "Token limit per conversation",
  llm: "Language model",
  "llm.provider": "Language model provider",
  "llm.model": "Language model",
  "llm.credentialId": "Language model · Provider key",
  "llm.params": "Language model · Parameters",
  stt: "Speech-to-text model",
  "stt.provider": "Speech-to-text provider",
  "stt.model": "Speech-to-text model",
  "stt.credentialId": "Speech-to-text · Provider key",
  "stt.params": "Speech-to-text · Parameters",
  vad: "Voice activity detection",
  "vad.activationThreshold": "Voice activity detection · Activation threshold",
  "vad.minSpeechMs": "Voice activity detection · Minimum speech (ms)",
  "vad.minSilenceMs": "Voice activity detection · Minimum silence (ms)",
  "vad.prefixPaddingMs": "Voice activity detection · Prefix padding (ms)",
  "vad.allowInterruptionsDuringFirstMessage": "Let the caller interrupt the first message",
  turn: "Turn-taking",
  "turn.detection": "End-of-turn detection",
  "turn.minEndpointingDelayMs": "Minimum endpointing delay (ms)",
  "turn.maxEndpointingDelayMs": "Maximum endpointing delay (ms)",
  "turn.preemptiveGeneration": "Preemptive replies",
  "turn.interruption": "Interruptions",
  "turn.interruption.minDurationMs": "Minimum interruption speech (ms)",
  "turn.interruption.minWords": "Minimum words to interrupt",
  "turn.interruption.resumeFalseInterruption": "Resume after a false interruption",
  "turn.interruption.backchannels": "Backchannels",
  "turn.phone": "Phone calls",
  "turn.phone.minEndpointingDelayMs": "Phone calls · Minimum endpointing delay (ms)",
  "turn.phone.maxEndpointingDelayMs": "Phone calls · Maximum endpointing delay (ms)",
  "turn.phone.minInterruptionDurationMs": "Phone calls · Minimum interruption speech (ms)",
  autoDetectLanguage: "Detect the caller's language",
  defaultLanguage: "Default language",
  locales: "Languages",
  variables: "Variables",
  "variables.properties": "Variables",
  tools: "Tools",
  widget: "Widget",
  "widget.displayName": "Widget · Display name",
  "widget.launcherText": "Widget · Launcher text",
  "widget.theme.primaryColor": "Widget · Primary colour",
  "widget.theme.textColor": "Widget · Text colour",
  "widget.theme.backgroundColor": "Widget · Background colour",
  "widget.showTranscript": "Widget · Show the transcript",
  "widget.allowedOrigins": "Widget · Allowed origins",
  "telephony.voicemail.message": "Phone · Voicemail message",
  "telephony.voicemail.action": "Phone · Voicemail policy",
  // Tools
  timeoutMs: "Timeout (ms)",
  url: "URL",
  bodySchema: "Body schema",
  headersSchema: "Headers schema",
  secretHeaders: "Secret headers",
  secretQueryParams: "Secret query parameters",
  bodyEncoding: "Body encoding",
  parameterStyles: "Parameter styles",
  preToolSpeech: "Before calling",
  "progressSpeech.text": "Progress text",
  "progressSpeech.afterMs": "Progress text · After (ms)",
  transferRules: "Transfer rules",
  // Campaigns
  agentId: "Agent",
  callerNumberIds: "Caller numbers",
  defaultTimeZone: "Default time zone",
  startAt: "Start",
  endBy: "End by",
  maxConcurrentCalls: "Calls at once",
  dialRatePerS: "New calls per second",
  maxDurationS: "Longest call",
  "contactMapping.phoneColumn": "Phone number column",
  "contactMapping.timeZoneColumn": "Time zone column",
  "voicemail.message": "Voicemail message",
  // Keys, tokens, telephony
  apiKey: "Key",
  baseUrl: "Base URL",
  ttlS: "Valid for",
  accountSid: "Account SID",
  authToken: "Auth token",
  fromNumberId: "Call from",
  phoneNumberId: "Phone number",
};

/** A locale's own fields (`locales.N.<rest>`), after its language. */
const localeFields: Record<string, string> = {
  language: "Language",
  firstMessage: "First message",
  tts: "Text to speech",
  "tts.provider": "Text-to-speech provider",
  "tts.model": "Text-to-speech model",
  "tts.voice": "Voice",
  "tts.credentialId": "Text-to-speech · Provider key",
  speed: "Speed",
  "background.sound": "Background sound",
  "background.volume": "Background volume",
};

/** `primaryColor` → "Primary color", `ttlS` → "Ttl s": the fallback for names the maps do not know. */
function words(segment: string): string {
  const spaced = segment.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replaceAll("_", " ").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const stripTarget = (path: string) => path.replace(/^(body|query|path|header)\./, "");

/** The label of a field path, as the form names it. */
export function fieldLabel(path: string, ctx: LabelContext = {}): string {
  const key = stripTarget(path);
  if (key === "_" || key === "" || key === "body") return "This form";
  const known = exact[key];
  if (known) return known;
  const locale = /^locales\.(\d+)(?:\.(.+))?$/.exec(key);
  if (locale) {
    const i = Number(locale[1]);
    const tag = ctx.locales?.[i]?.language;
    const name = tag ? languageLabel(tag) : `Language ${i + 1}`;
    const rest = locale[2];
    return rest ? `${name} · ${localeFields[rest] ?? restWords(rest)}` : name;
  }
  const param = /^(llm|stt)\.params\.(.+)$/.exec(key);
  if (param) return `${param[1] === "llm" ? "Language model" : "Speech-to-text"} · Parameter ${param[2]}`;
  const variable = /^variables\.properties\.([^.]+)(?:\.(.+))?$/.exec(key);
  if (variable) return variable[2] ? `Variable ${variable[1]} · ${restWords(variable[2])}` : `Variable ${variable[1]}`;
  const backchannels = /^turn\.interruption\.backchannels\.([^.]+)(?:\.(\d+))?$/.exec(key);
  if (backchannels) return `Backchannels · ${languageLabel(backchannels[1]!)}${backchannels[2] ? ` · phrase ${Number(backchannels[2]) + 1}` : ""}`;
  const origin = /^widget\.allowedOrigins\.(\d+)$/.exec(key);
  if (origin) return `Widget · Allowed origin ${Number(origin[1]) + 1}`;
  const settings = /^settings\.(.+)$/.exec(key);
  if (settings) return fieldLabel(settings[1]!, ctx);
  return restWords(key);
}

/** A path's segments in words, after the longest known parent: indices count from 1 ("Tools · 3 · Destinations"). */
function restWords(rest: string): string {
  const parts = rest.split(".");
  const seg = (p: string) => (/^\d+$/.test(p) ? String(Number(p) + 1) : words(p));
  for (let n = parts.length - 1; n > 0; n--) {
    const head = exact[parts.slice(0, n).join(".")];
    if (head) return [head, ...parts.slice(n).map(seg)].join(" · ");
  }
  return parts.map(seg).join(" · ");
}

const plural = (n: string, one: string, many: string) => (n === "1" ? one : many);

/** zod's default issue texts, as a sentence that follows the field's label. */
const rules: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Too small: expected string to have >=1 characters?$/, () => "must not be empty"],
  [/^Too small: expected string to have >=(\d+) characters$/, (m) => `must be at least ${m[1]} characters`],
  [/^Too big: expected string to have <=(\d+) characters$/, (m) => `must be at most ${m[1]} characters`],
  [/^Too small: expected (?:array|set) to have >=(\d+) items$/, (m) => `needs at least ${m[1]} ${plural(m[1]!, "entry", "entries")}`],
  [/^Too big: expected (?:array|set) to have <=(\d+) items$/, (m) => `can have at most ${m[1]} ${plural(m[1]!, "entry", "entries")}`],
  [/^Too small: expected (?:number|int|bigint) to be >=(-?[\d.e+]+)$/, (m) => `must be at least ${m[1]}`],
  [/^Too small: expected (?:number|int|bigint) to be >(-?[\d.e+]+)$/, (m) => `must be more than ${m[1]}`],
  [/^Too big: expected (?:number|int|bigint) to be <=(-?[\d.e+]+)$/, (m) => `must be at most ${m[1]}`],
  [/^Too big: expected (?:number|int|bigint) to be <(-?[\d.e+]+)$/, (m) => `must be less than ${m[1]}`],
  [/^Too (?:small|big): expected \w+ to have exactly (\d+) (\w+)$/, (m) => `must have exactly ${m[1]} ${m[2]}`],
  [/^Too small: expected object to have >=(\d+) entries$/, (m) => `needs at least ${m[1]} ${plural(m[1]!, "entry", "entries")}`],
  [/^Invalid input: expected \w+, received (?:undefined|null)$/, () => "is required"],
  [/^Invalid input: expected number, received NaN$/, () => "must be a number"],
  [/^Invalid input: expected int, received number$/, () => "must be a whole number"],
  [/^Invalid input: expected (number|int), received \w+$/, () => "must be a number"],
  [/^Invalid input: expected string, received \w+$/, () => "must be text"],
  [/^Invalid input: expected boolean, received \w+$/, () => "must be on or off"],
  [/^Invalid input: expected (?:array|object|record), received \w+$/, () => "is not in the right form"],
  [/^Invalid input: expected "?([^"]*)"?$/, (m) => `must be ${m[1]}`],
  [/^Invalid option: expected one of (.+)$/, (m) => `must be one of ${m[1]!.replaceAll('"', "").split("|").join(", ")}`],
  [/^Invalid discriminator value\. Expected (.+)$/, (m) => `must be one of ${m[1]!.replaceAll("'", "").split(" | ").join(", ")}`],
  [/^Invalid string: must match pattern .*$/, () => "is not in the expected format"],
  [/^Invalid string: must start with "(.*)"$/, (m) => `must start with ${m[1]}`],
  [/^Invalid string: must end with "(.*)"$/, (m) => `must end with ${m[1]}`],
  [/^Invalid string: must include "(.*)"$/, (m) => `must include ${m[1]}`],
  [/^Invalid email address$/, () => "must be an email address"],
  [/^Invalid URL$/, () => "must be a web address (https://…)"],
  [/^Invalid (?:ISO datetime|ISO date)$/, () => "must be a date"],
  [/^Invalid ISO time$/, () => "must be a time"],
  [/^Invalid E\.164 number$/, () => "must be a phone number with its country code (+…)"],
  [/^Invalid (UUID|GUID|cuid2?|ULID|nanoid)$/, () => "is not a valid id"],
  [/^Invalid number: must be a multiple of (.+)$/, (m) => `must be a multiple of ${m[1]}`],
  [/^Unrecognized keys?: (.+)$/, (m) => `has unknown fields: ${m[1]!.replaceAll('"', "")}`],
  [/^unknown field$/, () => "is not a field this form knows"],
  [/^Invalid key in \w+$/, () => "has a name that is not allowed"],
  [/^Invalid value in \w+$/, () => "has a value that is not allowed"],
  [/^Invalid input: more than one option matched$/, () => "is ambiguous"],
  [/^Invalid input$/, () => "is not valid"],
];

/** A validation message people read: zod's default texts rewritten, a schema's own words kept. */
export function plainMessage(raw: string): string {
  const text = raw.trim();
  for (const [pattern, say] of rules) {
    const m = pattern.exec(text);
    if (m) return say(m);
  }
  return text;
}

/** The API's own detail for any body its schema refuses: it says nothing the field errors do not. */
export function isGenericValidation(problem: { code: string; message: string }): boolean {
  return problem.code === "validation_failed" && /^the request did not pass validation\.?$/i.test(problem.message.trim());
}

/** "Widget · Primary colour must be a colour like #1a2b3c": a field error as one sentence. */
export function fieldSentence(path: string, message: string, ctx: LabelContext = {}): string {
  const said = plainMessage(message);
  const label = fieldLabel(path, ctx);
  // A message that is a sentence of its own ("Language \"de\" appears twice") is not glued to the label.
  return /^[A-Z]/.test(said) ? `${label}: ${said}` : `${label} ${said}`;
}
