// The wizard's "Schedule & limits" step as a form: calling windows (days + hours), the default time
// zone, start and end (datetime-local inputs, the browser's time), concurrency, dial rate, retries
// per outcome (backoff in minutes on screen, seconds in the API), the longest call and the voicemail
// policy. `settingsBody` checks the result with the API's own CampaignSettings schema, so every
// field error shows before anything is sent; the window editor has its own plain-language checks.
import { CampaignSettings, type CallingWindow } from "../../../packages/contracts/src/campaigns.ts";
import { zodFieldErrors, type FieldErrors } from "../ui/forms.ts";

export interface WindowForm {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  start: string;
  end: string;
}

export interface RetryForm {
  attempts: number | null;
  backoffMin: number | null;
}

export const retryKinds = ["noAnswer", "busy", "voicemail", "failed"] as const;
export type RetryKind = (typeof retryKinds)[number];
export const retryKindLabel: Record<RetryKind, string> = { noAnswer: "No answer", busy: "Busy", voicemail: "Voicemail", failed: "Failed call" };

export interface SettingsForm {
  windows: WindowForm[];
  defaultTimeZone: string;
  /** A datetime-local value in the browser's time zone; "" = as soon as launched. */
  startAt: string;
  /** "" = no end. */
  endBy: string;
  maxConcurrentCalls: number | null;
  dialRatePerS: number | null;
  retry: Record<RetryKind, RetryForm>;
  /** null = the platform's session limit. */
  maxDurationMin: number | null;
  voicemail: "inherit" | "hang_up" | "leave_message";
  voicemailMessage: string;
  allowDuplicates: boolean;
}

export const weekdays: { day: number; short: string }[] = [
  { day: 1, short: "Mon" },
  { day: 2, short: "Tue" },
  { day: 3, short: "Wed" },
  { day: 4, short: "Thu" },
  { day: 5, short: "Fri" },
  { day: 6, short: "Sat" },
  { day: 7, short: "Sun" },
];

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO timestamp as a datetime-local value in the browser's zone ("" for none). */
export function localInputOf(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value as an ISO timestamp (null for ""; "invalid" text reaches the schema as is). */
export function isoOfLocalInput(value: string): string | null {
  if (value.trim() === "") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

export function settingsFormOf(s: CampaignSettings): SettingsForm {
  const retry = {} as Record<RetryKind, RetryForm>;
  for (const k of retryKinds) retry[k] = { attempts: s.retry[k].attempts, backoffMin: s.retry[k].backoffS / 60 };
  return {
    windows: s.windows.map((w) => ({ days: [...w.days], start: w.start, end: w.end })),
    defaultTimeZone: s.defaultTimeZone,
    startAt: localInputOf(s.startAt),
    endBy: localInputOf(s.endBy),
    maxConcurrentCalls: s.maxConcurrentCalls,
    dialRatePerS: s.dialRatePerS,
    retry,
    maxDurationMin: s.maxDurationS === null ? null : s.maxDurationS / 60,
    voicemail: s.voicemail === "inherit" ? "inherit" : s.voicemail.action,
    voicemailMessage: s.voicemail === "inherit" ? "" : s.voicemail.message,
    allowDuplicates: s.allowDuplicates,
  };
}

/** The defaults the API applies, as a form (the browser's zone as the default time zone). */
export function defaultSettingsForm(browserZone: string): SettingsForm {
  const defaults = CampaignSettings.omit({ callerNumberIds: true });
  const parsed = defaults.safeParse({ defaultTimeZone: browserZone });
  return settingsFormOf({ callerNumberIds: [], ...(parsed.success ? parsed.data : defaults.parse({})) });
}

// ---- The window editor --------------------------------------------------------------------------------

export function toggleDay(w: WindowForm, day: number): WindowForm {
  const days = w.days.includes(day) ? w.days.filter((d) => d !== day) : [...w.days, day].sort((a, b) => a - b);
  return { ...w, days };
}

export function updateWindow(windows: WindowForm[], index: number, patch: Partial<WindowForm>): WindowForm[] {
  return windows.map((w, i) => (i === index ? { ...w, ...patch } : w));
}

/** A new window: the weekend afternoons when weekdays are taken, else office hours. */
export function addWindow(windows: WindowForm[]): WindowForm[] {
  const taken = new Set(windows.flatMap((w) => w.days));
  const days = [1, 2, 3, 4, 5].some((d) => taken.has(d)) ? [6] : [1, 2, 3, 4, 5];
  return [...windows, { days, start: "10:00", end: "16:00" }];
}

export function removeWindow(windows: WindowForm[], index: number): WindowForm[] {
  return windows.filter((_, i) => i !== index);
}

const clock = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** What is wrong with one window, in words, or null. */
export function windowProblem(w: WindowForm): string | null {
  if (w.days.length === 0) return "pick at least one day";
  if (!clock.test(w.start)) return "the start must be a time of day (HH:MM)";
  if (!clock.test(w.end)) return "the end must be a time of day (HH:MM, 24:00 for midnight)";
  if (w.end <= w.start) return "the end must be after the start (a window cannot cross midnight: add a second one)";
  return null;
}

/** "Mon–Fri 09:00–18:00", "Mon, Wed, Sat 10:00–12:00". */
export function windowSummary(w: Pick<CallingWindow, "days" | "start" | "end">): string {
  const days = [...new Set(w.days)].sort((a, b) => a - b);
  const name = (d: number) => weekdays.find((x) => x.day === d)?.short ?? String(d);
  const consecutive = days.length >= 3 && days.every((d, i) => i === 0 || d === (days[i - 1] ?? 0) + 1);
  const label = days.length === 7 ? "Every day" : consecutive ? `${name(days[0] ?? 1)}–${name(days[days.length - 1] ?? 7)}` : days.map(name).join(", ");
  return `${label} ${w.start}–${w.end}`;
}

const friendly: Record<string, string> = {
  maxConcurrentCalls: "a whole number from 1 to 100",
  dialRatePerS: "from 0.1 to 20 calls per second",
  maxDurationS: "between 10 seconds and 4 hours",
};

export type CheckedSettings = { ok: true; body: CampaignSettings } | { ok: false; fields: FieldErrors };

/**
 * The settings as the API takes them, or the errors keyed like the API's (`windows.0.end`,
 * `retry.busy.backoffS`, `maxConcurrentCalls`). `callerNumberIds` come from the wizard's step 2.
 */
export function settingsBody(form: SettingsForm, callerNumberIds: string[]): CheckedSettings {
  const fields: FieldErrors = {};
  form.windows.forEach((w, i) => {
    const problem = windowProblem(w);
    if (problem) fields[`windows.${i}`] = problem;
  });
  const raw = settingsRaw(form, callerNumberIds);
  const parsed = CampaignSettings.safeParse(raw);
  if (!parsed.success) {
    for (const [key, message] of Object.entries(zodFieldErrors(parsed.error))) {
      // The form asks for minutes (the schema's bounds are in seconds); ranges read better in words.
      fields[key] ??= friendly[key] ?? (key.endsWith(".backoffS") ? "wait between 1 minute and 7 days" : key.endsWith(".attempts") ? "0 to 10 retries" : message);
    }
  }
  const start = raw.startAt ? Date.parse(raw.startAt) : null;
  const end = raw.endBy ? Date.parse(raw.endBy) : null;
  if (start !== null && end !== null && end <= start) fields["endBy"] ??= "the end must be after the start";
  if (form.voicemail === "leave_message" && form.voicemailMessage.trim() === "") fields["voicemail.message"] ??= "write the message to leave";
  if (Object.keys(fields).length > 0 || !parsed.success) return { ok: false, fields };
  return { ok: true, body: parsed.data };
}

/** The settings shaped like the API's body, unchecked: what `settingsBody` validates and what field errors' paths lead to. */
export function settingsRaw(form: SettingsForm, callerNumberIds: string[]) {
  const retry: Record<string, unknown> = {};
  for (const k of retryKinds) {
    const r = form.retry[k];
    // NaN for an emptied field: the schema says it must be a number.
    retry[k] = { attempts: r.attempts ?? Number.NaN, backoffS: r.backoffMin === null ? Number.NaN : Math.round(r.backoffMin * 60) };
  }
  return {
    callerNumberIds,
    startAt: isoOfLocalInput(form.startAt),
    endBy: isoOfLocalInput(form.endBy),
    windows: form.windows.map((w) => ({ days: w.days, start: w.start, end: w.end })),
    defaultTimeZone: form.defaultTimeZone.trim(),
    maxConcurrentCalls: form.maxConcurrentCalls ?? Number.NaN,
    dialRatePerS: form.dialRatePerS ?? Number.NaN,
    retry,
    maxDurationS: form.maxDurationMin === null ? null : Math.round(form.maxDurationMin * 60),
    voicemail: form.voicemail === "inherit" ? "inherit" : { action: form.voicemail, message: form.voicemail === "leave_message" ? form.voicemailMessage : "" },
    allowDuplicates: form.allowDuplicates,
  };
}

/** A field's error, also when the API reported it under `settings.` or `body.settings.`. */
export function fieldError(fields: FieldErrors, key: string): string | undefined {
  return fields[key] ?? fields[`settings.${key}`];
}
