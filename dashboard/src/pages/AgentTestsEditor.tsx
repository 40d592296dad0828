// One test case being created or edited: name, required, the caller (scripted turns each with its
// expectations, or a simulated persona), variables, language, channel, tool mocks and the
// conversation's expectations. Saving checks the form with the contract first, then shows the
// API's field errors at their controls.
import type { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import type { AgentTestsStore } from "../stores/agent-tests.ts";
import type { CaseForm } from "../stores/agent-tests-form.ts";
import { Field, FieldMessage, invalidProps } from "../ui/fields.tsx";
import { ExpectationList, MockList } from "./AgentTestsExpect.tsx";

export function CaseEditor({ tests, agent }: { tests: AgentTestsStore; agent: AgentConfig }) {
  const f = tests.form.value;
  if (!f) return null;
  const err = (path: string) => tests.fields.value[path];
  const edit = (fn: (x: CaseForm) => void) => tests.edit(fn);
  const isNew = tests.openId.value === "new";
  const declared = Object.keys(agent.variables.properties);
  const unsent = Object.entries(tests.fields.value).filter(([k]) => !shownAt(k));
  return (
    <form
      class="card stack test-case-editor"
      aria-label={isNew ? "New test case" : `Test case ${f.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void tests.save();
      }}
    >
      <div class="row">
        <h3>{isNew ? "New test case" : f.name || "Test case"}</h3>
        <span class="spacer" />
        <button type="button" class="link" onClick={tests.close}>
          Close
        </button>
      </div>
      {tests.message.value && <p class="error" role="alert">{tests.message.value}</p>}
      {unsent.length > 0 && (
        <ul class="error-summary">
          {unsent.map(([k, m]) => (
            <li key={k}>
              <code>{k}</code> <span class="error">{m}</span>
            </li>
          ))}
        </ul>
      )}
      <div class="grid">
        <Field label="Name" error={err("name")}>
          <input value={f.name} maxLength={100} onInput={(e) => edit((x) => void (x.name = e.currentTarget.value))} />
        </Field>
        <Field label="Language" error={err("language")} hint="The agent's default when empty">
          <select value={f.language} onChange={(e) => edit((x) => void (x.language = e.currentTarget.value))}>
            <option value="">Default ({agent.defaultLanguage})</option>
            {agent.locales.map((l) => (
              <option key={l.language} value={l.language}>
                {l.language}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Channel" error={err("channel")} hint="Phone: phone tools offered, audio mode speaks 8 kHz">
          <select value={f.channel} onChange={(e) => edit((x) => void (x.channel = e.currentTarget.value === "phone" ? "phone" : "web"))}>
            <option value="web">Web</option>
            <option value="phone">Phone</option>
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" checked={f.required} onChange={(e) => edit((x) => void (x.required = e.currentTarget.checked))} />
          Required to publish
        </label>
      </div>
      <Field label="Description" error={err("description")}>
        <input value={f.description} maxLength={1000} onInput={(e) => edit((x) => void (x.description = e.currentTarget.value))} />
      </Field>

      <fieldset class="plain">
        <legend>Caller</legend>
        <label class="check">
          <input type="radio" name="caller-kind" checked={f.callerKind === "scripted"} onChange={() => edit((x) => void (x.callerKind = "scripted"))} />
          Scripted: the caller says these lines in order
        </label>
        <label class="check">
          <input type="radio" name="caller-kind" checked={f.callerKind === "simulated"} onChange={() => edit((x) => void (x.callerKind = "simulated"))} />
          Simulated: an LLM plays a persona (skipped with the offline scripted LLM)
        </label>
      </fieldset>
      {f.callerKind === "scripted" ? <Turns form={f} edit={edit} err={err} /> : <Persona form={f} edit={edit} err={err} />}

      <h4>Variables</h4>
      {f.variables.map((v, i) => (
        <div key={i} class="row">
          <input aria-label={`Variable ${i + 1} name`} list="agent-tests-variables" placeholder="name" value={v.name} {...invalidProps(`variables.${i}`, err(`variables.${i}`))} onInput={(e) => edit((x) => void (x.variables[i] = { ...v, name: e.currentTarget.value }))} />
          <input aria-label={`Variable ${i + 1} value`} class="grow" placeholder={agent.variables.properties[v.name]?.type ?? "value"} value={v.value} onInput={(e) => edit((x) => void (x.variables[i] = { ...v, value: e.currentTarget.value }))} />
          <button type="button" class="link danger" onClick={() => edit((x) => void x.variables.splice(i, 1))}>
            Remove
          </button>
          <FieldMessage path={`variables.${i}`} error={err(`variables.${i}`) ?? err(`variables.${v.name.trim()}`)} />
        </div>
      ))}
      <datalist id="agent-tests-variables">
        {declared.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <button type="button" class="link" onClick={() => edit((x) => void x.variables.push({ name: declared.find((n) => !x.variables.some((v) => v.name === n)) ?? "", value: "" }))}>
        Add a variable value
      </button>

      <h4>Tool mocks</h4>
      <p class="muted">Tests never call real APIs: a webhook tool the agent calls answers from the first mock that matches; an unmocked call fails the case.</p>
      <MockList items={f.toolMocks} err={err} onChange={(next) => edit((x) => void (x.toolMocks = next))} />

      <h4>Expectations on the whole conversation</h4>
      <ExpectationList items={f.expect} path="expect" err={err} whole onChange={(next) => edit((x) => void (x.expect = next))} label="Conversation" />

      <div class="row">
        <button type="submit" disabled={tests.saving.value}>
          {tests.saving.value ? "Saving…" : isNew ? "Create test case" : "Save test case"}
        </button>
        <button type="button" class="link" onClick={tests.close}>
          Cancel
        </button>
      </div>
    </form>
  );
}

type Part = { form: CaseForm; edit: (fn: (x: CaseForm) => void) => void; err: (path: string) => string | undefined };

function Turns({ form, edit, err }: Part) {
  return (
    <div class="stack">
      {err("caller.turns") && <p class="error">{err("caller.turns")}</p>}
      <ol class="turns">
      {form.turns.map((t, i) => (
        <li key={i} class="card">
          <div class="row">
            <strong>Caller turn {i + 1}</strong>
            <span class="spacer" />
            {i > 0 && (
              <button type="button" class="link" aria-label={`Move turn ${i + 1} up`} onClick={() => edit((x) => void x.turns.splice(i - 1, 2, x.turns[i] ?? t, x.turns[i - 1] ?? t))}>
                ↑
              </button>
            )}
            {form.turns.length > 1 && (
              <button type="button" class="link danger" onClick={() => edit((x) => void x.turns.splice(i, 1))}>
                Remove turn
              </button>
            )}
          </div>
          <textarea aria-label={`Turn ${i + 1} caller says`} rows={2} placeholder="What the caller says" value={t.user} {...invalidProps(`caller.turns.${i}.user`, err(`caller.turns.${i}.user`))} onInput={(e) => edit((x) => void (x.turns[i] = { ...t, user: e.currentTarget.value }))} />
          <FieldMessage path={`caller.turns.${i}.user`} error={err(`caller.turns.${i}.user`)} />
          <small class="muted">The agent's reply to this line:</small>
          <ExpectationList items={t.expect} path={`caller.turns.${i}.expect`} err={err} whole={false} onChange={(next) => edit((x) => void (x.turns[i] = { ...t, expect: next }))} label={`Turn ${i + 1}`} />
        </li>
      ))}
      </ol>
      <button type="button" class="link" onClick={() => edit((x) => void x.turns.push({ user: "", expect: [] }))}>
        Add a caller turn
      </button>
    </div>
  );
}

function Persona({ form, edit, err }: Part) {
  const p = form.persona;
  return (
    <div class="stack">
      <Field label="Who the caller is" error={err("caller.persona.identity")}>
        <textarea rows={2} placeholder="e.g. Dana, a customer who ordered a lamp last week" value={p.identity} onInput={(e) => edit((x) => void (x.persona.identity = e.currentTarget.value))} />
      </Field>
      <Field label="What the caller wants" error={err("caller.persona.goal")}>
        <textarea rows={2} placeholder="e.g. find out where order 42 is" value={p.goal} onInput={(e) => edit((x) => void (x.persona.goal = e.currentTarget.value))} />
      </Field>
      <Field label="Traits" error={err("caller.persona.traits")} hint="Optional: impatient, speaks in short sentences…">
        <input value={p.traits} onInput={(e) => edit((x) => void (x.persona.traits = e.currentTarget.value))} />
      </Field>
      <Field label="At most this many caller turns" error={err("caller.maxTurns")}>
        <input type="number" min={1} max={30} class="short" value={form.maxTurns} onInput={(e) => edit((x) => void (x.maxTurns = e.currentTarget.value))} />
      </Field>
    </div>
  );
}

/** Whether a field error's path has a control of its own in the editor (the rest are listed on top). */
function shownAt(path: string): boolean {
  return /^(name|description|language|channel|caller\.(turns(\.\d+\.(user|expect(\.\d+(\.(tool|arguments|text|pattern|flags|agent|destination|digits|turns|seconds|criteria|type))?)?))?|persona\.(identity|goal|traits)|maxTurns)|variables\.[^.]+|toolMocks(\.\d+\.(tool|arguments|output|error))?|expect(\.\d+(\.(tool|arguments|text|pattern|flags|agent|destination|digits|turns|seconds|criteria|type))?)?)$/.test(path);
}
