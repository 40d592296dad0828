// Step 4 of the campaign wizard: calling windows (days + hours, in each contact's local time), the
// default time zone, start and end, concurrency, dial rate, retries per outcome, the longest call
// and what to do on a voicemail. Errors show under their field (the API's schema, checked here).
import { addWindow, fieldError, removeWindow, retryKindLabel, retryKinds, toggleDay, updateWindow, weekdays, windowProblem, type SettingsForm } from "../stores/campaign-settings-form.ts";
import type { WizardStore } from "../stores/campaign-wizard.ts";
import { Field, FieldMessage, invalidProps, NumberInput } from "../ui/fields.tsx";

const zones = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
})();

export function ScheduleStep({ w }: { w: WizardStore }) {
  const f = w.settings.value;
  const set = (patch: Partial<SettingsForm>) => (w.settings.value = { ...f, ...patch });
  const err = (key: string) => fieldError(w.fields.value, key);
  return (
    <>
      <h2>When and how fast?</h2>
      <section class="stack" aria-label="Calling windows">
        <h3>Calling hours</h3>
        <p class="muted">In each contact's own time zone. Outside these hours nobody is called; the campaign waits for the next window.</p>
        {f.windows.map((win, i) => {
          const problem = windowProblem(win) ?? err(`windows.${i}`) ?? err(`windows.${i}.end`) ?? err(`windows.${i}.days`);
          return (
            <div key={i} class="window" data-window={i}>
              <div class="days" role="group" aria-label={`Window ${i + 1} days`}>
                {weekdays.map((d) => (
                  <button key={d.day} type="button" aria-pressed={win.days.includes(d.day)} onClick={() => set({ windows: updateWindow(f.windows, i, toggleDay(win, d.day)) })}>
                    {d.short}
                  </button>
                ))}
              </div>
              <label>
                From
                <input type="time" aria-label={`Window ${i + 1} start`} {...invalidProps(`windows.${i}`, problem)} value={win.start} onInput={(e) => set({ windows: updateWindow(f.windows, i, { start: e.currentTarget.value }) })} />
              </label>
              <label>
                To
                <input
                  type="time"
                  aria-label={`Window ${i + 1} end`}
                  {...invalidProps(`windows.${i}`, problem)}
                  value={win.end === "24:00" ? "23:59" : win.end}
                  onInput={(e) => set({ windows: updateWindow(f.windows, i, { end: e.currentTarget.value }) })}
                />
              </label>
              {f.windows.length > 1 && (
                <button type="button" class="link danger" onClick={() => set({ windows: removeWindow(f.windows, i) })}>
                  Remove
                </button>
              )}
              <FieldMessage path={`windows.${i}`} error={problem} />
            </div>
          );
        })}
        {err("windows") && <span class="error">{err("windows")}</span>}
        {f.windows.length < 14 && (
          <button type="button" class="link" style={{ alignSelf: "flex-start" }} onClick={() => set({ windows: addWindow(f.windows) })}>
            Add a window
          </button>
        )}
      </section>
      <div class="grid">
        <Field label="Default time zone" error={err("defaultTimeZone")} hint="For contacts whose zone is neither in the file nor known from their number">
          <input list="campaign-zones" value={f.defaultTimeZone} onInput={(e) => set({ defaultTimeZone: e.currentTarget.value })} />
        </Field>
        <datalist id="campaign-zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <Field label="Start (your time)" error={err("startAt")} hint="Empty: as soon as launched">
          <input type="datetime-local" value={f.startAt} onInput={(e) => set({ startAt: e.currentTarget.value })} />
        </Field>
        <Field label="End by (your time)" error={err("endBy")} hint="Contacts not called by then are skipped">
          <input type="datetime-local" value={f.endBy} onInput={(e) => set({ endBy: e.currentTarget.value })} />
        </Field>
        <Field label="Calls at once" error={err("maxConcurrentCalls")} hint="1–100; the space's own limit applies on top">
          <NumberInput value={f.maxConcurrentCalls} min={1} max={100} step={1} onValue={(n) => set({ maxConcurrentCalls: n })} />
        </Field>
        <Field label="New calls per second" error={err("dialRatePerS")} hint="0.1–20, per provider account">
          <NumberInput value={f.dialRatePerS} min={0.1} max={20} step={0.1} onValue={(n) => set({ dialRatePerS: n })} />
        </Field>
        <Field label="Longest call (minutes)" error={err("maxDurationS")} hint="Empty: the platform's limit">
          <NumberInput value={f.maxDurationMin} min={1} max={240} onValue={(n) => set({ maxDurationMin: n })} />
        </Field>
      </div>
      <section class="stack" aria-label="Retries">
        <h3>Retries</h3>
        <p class="muted">How many more calls after each kind of outcome, and how long to wait before each. A contact who talked with the agent is never called again.</p>
        <div class="retry">
          <strong>Outcome</strong>
          <strong>Retries</strong>
          <strong>Wait (minutes)</strong>
          {retryKinds.map((k) => {
            const r = f.retry[k];
            const setRetry = (patch: Partial<typeof r>) => set({ retry: { ...f.retry, [k]: { ...r, ...patch } } });
            const e = err(`retry.${k}.attempts`) ?? err(`retry.${k}.backoffS`);
            return [
              <span key={`${k}-l`}>{retryKindLabel[k]}</span>,
              <NumberInput key={`${k}-a`} label={`${retryKindLabel[k]} retries`} errorPath={`retry.${k}`} error={e} value={r.attempts} min={0} max={10} step={1} onValue={(n) => setRetry({ attempts: n })} />,
              <span key={`${k}-b`}>
                <NumberInput label={`${retryKindLabel[k]} wait`} errorPath={`retry.${k}`} error={e} value={r.backoffMin} min={1} max={10080} onValue={(n) => setRetry({ backoffMin: n })} />{" "}
                <FieldMessage path={`retry.${k}`} error={e} />
              </span>,
            ];
          })}
        </div>
      </section>
      <section class="stack" aria-label="Voicemail">
        <h3>When an answering machine picks up</h3>
        <div class="row">
          {(
            [
              ["inherit", "As the agent's phone settings say"],
              ["hang_up", "Hang up"],
              ["leave_message", "Leave a message"],
            ] as const
          ).map(([value, label]) => (
            <label key={value} class="inline">
              <input type="radio" name="voicemail" checked={f.voicemail === value} onChange={() => set({ voicemail: value })} />
              {label}
            </label>
          ))}
        </div>
        {f.voicemail === "leave_message" && (
          <Field label="Message (variables like {{customer_name}} are filled in)" error={err("voicemail.message")}>
            <textarea rows={3} value={f.voicemailMessage} onInput={(e) => set({ voicemailMessage: e.currentTarget.value })} />
          </Field>
        )}
      </section>
    </>
  );
}
