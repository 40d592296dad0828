// The test case editor's lists of expectations (per caller turn and for the whole conversation)
// and tool mocks. Each control shows the error of its body path (`caller.turns.0.expect.1.tool`),
// from the check before sending or from the API.
import { conversationOnly, expectationTypes, newExpectation, newMock, type ExpectationDraft, type MockDraft } from "../stores/agent-tests-form.ts";
import { FieldMessage, invalidProps } from "../ui/fields.tsx";

type Err = (path: string) => string | undefined;

/** The ids of the <datalist>s the tab renders once: the agent's tool codes and the space's agent names. */
export const toolList = "agent-tests-tools";
export const agentList = "agent-tests-agents";

export function ExpectationList(props: { items: ExpectationDraft[]; path: string; err: Err; whole: boolean; onChange: (next: ExpectationDraft[]) => void; label: string }) {
  const { items, path, err } = props;
  const set = (i: number, patch: Partial<ExpectationDraft>) => props.onChange(items.map((e, j) => (j === i ? { ...e, ...patch } : e)));
  return (
    <div class="expectations">
      {err(path) && <p class="error">{err(path)}</p>}
      {items.map((e, i) => (
        <ExpectationRow key={i} e={e} path={`${path}.${i}`} err={err} whole={props.whole} set={(patch) => set(i, patch)} remove={() => props.onChange(items.filter((_, j) => j !== i))} label={`${props.label} expectation ${i + 1}`} />
      ))}
      <button type="button" class="link" onClick={() => props.onChange([...items, newExpectation()])}>
        Add an expectation
      </button>
    </div>
  );
}

function ExpectationRow(props: { e: ExpectationDraft; path: string; err: Err; whole: boolean; set: (patch: Partial<ExpectationDraft>) => void; remove: () => void; label: string }) {
  const { e, path, err, set } = props;
  const text = (key: "tool" | "text" | "pattern" | "flags" | "agent" | "destination" | "digits" | "turns" | "seconds", label: string, opts: { placeholder?: string; list?: string; cls?: string } = {}) => (
    <span class="expect-field">
      <input
        aria-label={`${props.label} ${label}`}
        class={opts.cls ?? ""}
        placeholder={opts.placeholder ?? label}
        list={opts.list}
        value={e[key]}
        {...invalidProps(`${path}.${key}`, err(`${path}.${key}`))}
        onInput={(ev) => set({ [key]: ev.currentTarget.value })}
      />
      <FieldMessage path={`${path}.${key}`} error={err(`${path}.${key}`)} />
    </span>
  );
  const types = expectationTypes.filter(([t]) => props.whole || !conversationOnly.has(t) || t === e.type);
  return (
    <div class="expect-row" data-expectation={e.type}>
      <select aria-label={`${props.label} kind`} value={e.type} onChange={(ev) => set({ type: ev.currentTarget.value as ExpectationDraft["type"] })}>
        {types.map(([t, label]) => (
          <option key={t} value={t}>
            {label}
          </option>
        ))}
      </select>
      {e.type === "tool_called" && (
        <>
          {text("tool", "tool", { list: toolList })}
          <span class="expect-field grow">
            <textarea
              aria-label={`${props.label} arguments`}
              rows={2}
              placeholder='Arguments (JSON, at least these), e.g. {"order_id": "42"}'
              value={e.arguments}
              {...invalidProps(`${path}.arguments`, err(`${path}.arguments`))}
              onInput={(ev) => set({ arguments: ev.currentTarget.value })}
            />
            <FieldMessage path={`${path}.arguments`} error={err(`${path}.arguments`)} />
          </span>
        </>
      )}
      {e.type === "no_tool_called" && text("tool", "tool", { placeholder: "any tool", list: toolList })}
      {(e.type === "reply_contains" || e.type === "never_says") && text("text", "text", { cls: "grow" })}
      {e.type === "reply_contains" && (
        <label class="check">
          <input type="checkbox" checked={e.caseSensitive} onChange={(ev) => set({ caseSensitive: ev.currentTarget.checked })} />
          case-sensitive
        </label>
      )}
      {e.type === "reply_matches" && (
        <>
          {text("pattern", "pattern", { placeholder: "regular expression", cls: "grow" })}
          {text("flags", "flags", { cls: "short" })}
        </>
      )}
      {e.type === "handoff" && text("agent", "agent", { placeholder: "agent name or id (empty for any)", list: agentList })}
      {e.type === "transfer" && text("destination", "destination", { placeholder: "destination name (empty for any)" })}
      {e.type === "dtmf_sent" && text("digits", "digits", { placeholder: "digits (empty for any)" })}
      {e.type === "max_turns" && text("turns", "turns", { cls: "short" })}
      {e.type === "max_duration" && text("seconds", "seconds", { cls: "short" })}
      {e.type === "judge" && (
        <span class="expect-field grow">
          <textarea
            aria-label={`${props.label} criteria`}
            rows={2}
            placeholder="What a good reply does, e.g. the agent apologises and offers a refund"
            value={e.criteria}
            {...invalidProps(`${path}.criteria`, err(`${path}.criteria`))}
            onInput={(ev) => set({ criteria: ev.currentTarget.value })}
          />
          <FieldMessage path={`${path}.criteria`} error={err(`${path}.criteria`)} />
          <small class="muted">Judged by the agent's LLM; skipped (not failed) with the offline scripted LLM.</small>
        </span>
      )}
      <button type="button" class="link danger" aria-label={`Remove ${props.label}`} onClick={props.remove}>
        Remove
      </button>
      <FieldMessage path={path} error={err(path) ?? err(`${path}.type`)} />
    </div>
  );
}

export function MockList(props: { items: MockDraft[]; err: Err; onChange: (next: MockDraft[]) => void }) {
  const { items, err } = props;
  const set = (i: number, patch: Partial<MockDraft>) => props.onChange(items.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  return (
    <div class="stack">
      {err("toolMocks") && <p class="error">{err("toolMocks")}</p>}
      {items.map((m, i) => {
        const path = `toolMocks.${i}`;
        const label = `Mock ${i + 1}`;
        return (
          <div key={i} class="card mock">
            <div class="row">
              <input aria-label={`${label} tool`} placeholder="tool code" list={toolList} value={m.tool} {...invalidProps(`${path}.tool`, err(`${path}.tool`))} onInput={(e) => set(i, { tool: e.currentTarget.value })} />
              <select aria-label={`${label} match`} value={m.match} onChange={(e) => set(i, { match: e.currentTarget.value as MockDraft["match"] })}>
                <option value="any">any arguments</option>
                <option value="exact">exactly these arguments</option>
                <option value="subset">at least these arguments</option>
              </select>
              <select aria-label={`${label} answer`} value={m.answer} onChange={(e) => set(i, { answer: e.currentTarget.value as MockDraft["answer"] })}>
                <option value="output">answers</option>
                <option value="error">fails with</option>
              </select>
              <span class="spacer" />
              <button type="button" class="link danger" onClick={() => props.onChange(items.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
            <FieldMessage path={`${path}.tool`} error={err(`${path}.tool`)} />
            {m.match !== "any" && (
              <>
                <textarea aria-label={`${label} arguments`} rows={2} placeholder='{"order_id": "42"}' value={m.arguments} {...invalidProps(`${path}.arguments`, err(`${path}.arguments`))} onInput={(e) => set(i, { arguments: e.currentTarget.value })} />
                <FieldMessage path={`${path}.arguments`} error={err(`${path}.arguments`)} />
              </>
            )}
            {m.answer === "output" ? (
              <>
                <textarea aria-label={`${label} output`} rows={3} placeholder='The tool result (JSON), e.g. {"status": "shipped"}' value={m.output} {...invalidProps(`${path}.output`, err(`${path}.output`))} onInput={(e) => set(i, { output: e.currentTarget.value })} />
                <FieldMessage path={`${path}.output`} error={err(`${path}.output`)} />
              </>
            ) : (
              <>
                <input aria-label={`${label} error`} placeholder="The error the agent reads, e.g. order service unavailable" value={m.error} {...invalidProps(`${path}.error`, err(`${path}.error`))} onInput={(e) => set(i, { error: e.currentTarget.value })} />
                <FieldMessage path={`${path}.error`} error={err(`${path}.error`)} />
              </>
            )}
          </div>
        );
      })}
      <button type="button" class="link" onClick={() => props.onChange([...items, newMock()])}>
        Add a tool mock
      </button>
    </div>
  );
}
