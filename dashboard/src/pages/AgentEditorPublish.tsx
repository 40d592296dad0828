// The agent editor's outward tabs: Widget (look, placement, allowed origins, the embed code and
// its agent tokens), Publish (the pre-flight and publishing in AgentEditorPreflight.tsx, a refusal by
// the required test cases in AgentTestsGate.tsx, unpublish, versions with the served one marked and
// their test gate, what changed from a version to the draft, rollback) and Tools (attach the space's webhook tools and the system tools).
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import { SystemToolName, systemToolDescriptions, type ToolRef } from "../../../packages/contracts/src/tools.ts";
import { errorMessage } from "../api/client.ts";
import { spacePath, toolPath } from "../router.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { systemToolRef } from "../stores/phone-tab.ts";
import { colourIssue, previewColour } from "../stores/widget-colours.ts";
import { useStores } from "../stores/index.ts";
import { CopyButton, Field } from "../ui/fields.tsx";
import { formatDate } from "../ui/forms.ts";
import { VersionDiff } from "./AgentEditorDiff.tsx";
import { PreflightCard } from "./AgentEditorPreflight.tsx";
import { AgentTokensSection } from "./AgentEditorTokens.tsx";
import { TestGateRefusal, VersionGate } from "./AgentTestsGate.tsx";

type Props = { store: AgentEditorStore };
type Widget = AgentConfig["widget"];
type Theme = Widget["theme"];

const placements: Widget["placement"][] = ["bottom-right", "bottom-left", "inline"];

export function WidgetTab({ store }: Props) {
  const d = store.draft.value;
  const err = (key: string) => store.fields.value[key];
  const origin = useSignal("");
  const embedError = useSignal<string | null>(null);
  const published = store.agent.value?.published;
  useEffect(() => {
    store.loadEmbed().catch((e: unknown) => (embedError.value = errorMessage(e)));
  }, [published]);
  if (!d) return null;
  const w = d.widget;
  const set = (fn: (x: Widget) => void) => store.edit((x) => fn(x.widget));
  const color = (key: keyof Theme, label: string) => (
    <Field label={label} error={err(`widget.theme.${key}`) ?? colourIssue(w.theme[key])}>
      <div class="row">
        <input type="color" aria-label={`${label} picker`} value={previewColour(key, w.theme[key])} onInput={(e) => set((x) => void (x.theme[key] = e.currentTarget.value))} />
        <input class="short" value={w.theme[key]} onInput={(e) => set((x) => void (x.theme[key] = e.currentTarget.value))} />
      </div>
    </Field>
  );
  const addOrigin = () => {
    const o = origin.value.trim().replace(/\/+$/, "");
    if (!o) return;
    set((x) => void (x.allowedOrigins = [...x.allowedOrigins.filter((a) => a !== o), o]));
    origin.value = "";
  };
  const embed = store.embed.value;
  return (
    <div class="stack">
      <div class="grid">
        <Field label="Display name" error={err("widget.displayName")} hint="Empty: the agent's name">
          <input value={w.displayName ?? ""} onInput={(e) => set((x) => (e.currentTarget.value ? (x.displayName = e.currentTarget.value) : delete x.displayName))} />
        </Field>
        <Field label="Placement" error={err("widget.placement")}>
          <select value={w.placement} onChange={(e) => set((x) => void (x.placement = placements.find((p) => p === e.currentTarget.value) ?? x.placement))}>
            {placements.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Launcher text" error={err("widget.launcherText")}>
          <input value={w.launcherText} maxLength={40} onInput={(e) => set((x) => void (x.launcherText = e.currentTarget.value))} />
        </Field>
        {color("primaryColor", "Primary colour")}
        {color("textColor", "Text colour")}
        {color("backgroundColor", "Background colour")}
        <label class="check">
          <input type="checkbox" checked={w.showTranscript} onChange={(e) => set((x) => void (x.showTranscript = e.currentTarget.checked))} />
          Show the transcript in the widget
        </label>
      </div>
      <div class="preview" style={{ background: previewColour("backgroundColor", w.theme.backgroundColor) }}>
        <span class="launcher" style={{ background: previewColour("primaryColor", w.theme.primaryColor), color: previewColour("textColor", w.theme.textColor) }}>
          {w.launcherText || "…"}
        </span>
      </div>
      <h3>Allowed origins</h3>
      <p class="muted">Pages on these origins may start sessions. With none listed, every page may.</p>
      {err("widget.allowedOrigins") && <p class="error">{err("widget.allowedOrigins")}</p>}
      <ul class="plain">
        {w.allowedOrigins.map((o, i) => (
          <li key={o} class="row">
            <code>{o}</code>
            {err(`widget.allowedOrigins.${i}`) && <span class="error">{err(`widget.allowedOrigins.${i}`)}</span>}
            <button type="button" class="link danger" onClick={() => set((x) => void (x.allowedOrigins = x.allowedOrigins.filter((a) => a !== o)))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div class="row">
        <input aria-label="Origin to allow" placeholder="https://shop.example" value={origin.value} onInput={(e) => (origin.value = e.currentTarget.value)} onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), addOrigin())} />
        <button type="button" onClick={addOrigin} disabled={!origin.value.trim()}>
          Allow origin
        </button>
      </div>
      <h3>Embed code</h3>
      {embedError.value && <p class="error">{embedError.value}</p>}
      {embed && (
        <div class="card">
          {!embed.published && <p class="warn-text">The widget and the public link only work once a version is published.</p>}
          <p class="muted">Paste into your page's HTML. Settings shown to visitors are those of the published version.</p>
          <pre class="code">{embed.html}</pre>
          <div class="row">
            <CopyButton text={embed.html} label="Copy embed code" />
            <a href={embed.publicLinkUrl} target="_blank" rel="noopener">
              Open the hosted test page
            </a>
            <CopyButton text={embed.publicLinkUrl} label="Copy link" />
          </div>
        </div>
      )}
      {store.agent.value && <AgentTokensSection agentId={store.agent.value.id} />}
    </div>
  );
}

export function PublishTab({ store, onOpenField, onOpenRun }: Props & { onOpenField?: (field: string) => void; onOpenRun?: (runId: string) => void }) {
  const agent = store.agent.value;
  const listError = useSignal<string | null>(null);
  const comparing = useSignal<number | null>(null);
  useEffect(() => {
    store.loadVersions().catch((e: unknown) => (listError.value = errorMessage(e)));
  }, []);
  if (!agent) return null;
  const busy = store.busy.value !== null;
  const rollback = (version: number) => {
    if (confirm(`Serve version ${version} again, as a new published version? Your draft is not changed.`)) void store.rollback(version);
  };
  const unpublish = () => {
    if (confirm("Unpublish? The widget, public link and numbers stop answering until you publish again.")) void store.unpublish();
  };
  const versions = store.versions.value;
  return (
    <div class="stack">
      <PreflightCard store={store} onOpenField={onOpenField} />
      <TestGateRefusal store={store} onOpenRun={onOpenRun} />
      {agent.published && (
        <div class="row">
          <button type="button" class="danger-outline" onClick={unpublish} disabled={busy}>
            Unpublish
          </button>
        </div>
      )}
      <h3>Versions</h3>
      {listError.value && <p class="error">{listError.value}</p>}
      {!versions ? (
        <p class="muted">Loading…</p>
      ) : versions.length === 0 ? (
        <p class="muted">Nothing published yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Version</th>
              <th>Published</th>
              <th>Note</th>
              <th>Required tests</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id} class={comparing.value === v.version ? "selected" : ""}>
                <td>
                  v{v.version} {agent.publishedVersion === v.version && <span class="badge ok">live</span>}
                </td>
                <td>{formatDate(v.createdAt)}</td>
                <td>{v.note ?? ""}</td>
                <td>
                  <VersionGate gate={v.testGate} />
                </td>
                <td class="row">
                  <button type="button" class="link" onClick={() => (comparing.value = comparing.value === v.version ? null : v.version)}>
                    {comparing.value === v.version ? "Hide changes" : "Compare with draft"}
                  </button>
                  {agent.publishedVersion !== v.version && (
                    <button type="button" class="link" disabled={busy} onClick={() => rollback(v.version)}>
                      Roll back to this
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {comparing.value !== null && <VersionDiff store={store} version={comparing.value} />}
    </div>
  );
}

export function ToolsTab({ store }: Props) {
  const { agents } = useStores();
  const error = useSignal<string | null>(null);
  const spaceId = store.agent.value?.spaceId;
  useEffect(() => {
    store.loadTools().catch((e: unknown) => (error.value = errorMessage(e)));
    if (spaceId && agents.spaceId.value !== spaceId) agents.load(spaceId).catch((e: unknown) => (error.value = errorMessage(e)));
  }, [spaceId]);
  const d = store.draft.value;
  if (!d) return null;
  const err = (key: string) => store.fields.value[key];
  const refs = d.tools;
  const indexOf = (match: (r: ToolRef) => boolean) => refs.findIndex(match);
  const toggle = (ref: ToolRef, on: boolean, match: (r: ToolRef) => boolean) =>
    store.edit((x) => void (x.tools = on ? [...x.tools, ref] : x.tools.filter((r) => !match(r))));
  const webhooks = store.tools.value;
  const others = agents.agents.value.filter((a) => a.id !== store.agentId);
  return (
    <div class="stack">
      {error.value && <p class="error">{error.value}</p>}
      {err("tools") && <p class="error">{err("tools")}</p>}
      <div class="row">
        <h3>Webhook tools of this space</h3>
        <span class="spacer" />
        {spaceId && (
          <>
            <a href={toolPath(spaceId, "new")}>New webhook tool</a>
            <a href={spacePath(spaceId, "tools")}>Manage tools</a>
          </>
        )}
      </div>
      {!webhooks ? (
        <p class="muted">Loading…</p>
      ) : webhooks.length === 0 ? (
        <p class="muted">This space has no webhook tools yet.</p>
      ) : (
        <ul class="plain">
          {webhooks.map((t) => {
            const match = (r: ToolRef) => r.type === "webhook" && r.toolId === t.id;
            const i = indexOf(match);
            return (
              <li key={t.id}>
                <label class="check">
                  <input type="checkbox" data-field={i >= 0 ? `tools.${i}` : undefined} checked={i >= 0} onChange={(e) => toggle({ type: "webhook", toolId: t.id }, e.currentTarget.checked, match)} />
                  {spaceId ? (
                    <a href={toolPath(spaceId, t.id)} title="Open in the tool editor">
                      <code>{t.code}</code>
                    </a>
                  ) : (
                    <code>{t.code}</code>
                  )}{" "}
                  <span class="muted">
                    {t.method} {t.url}
                  </span>
                </label>
                <small class="muted">{t.description}</small>
                {i >= 0 && Object.entries(store.fields.value).filter(([k]) => k === `tools.${i}` || k.startsWith(`tools.${i}.`) || k.startsWith(`tools.${i} `)).map(([k, m]) => <div key={k} class="error">{m}</div>)}
              </li>
            );
          })}
        </ul>
      )}
      {refs.some((r) => r.type === "webhook" && !webhooks?.some((t) => t.id === r.toolId)) && webhooks && (
        <p class="error">
          Attached tools that no longer exist:{" "}
          {refs.flatMap((r) => (r.type === "webhook" && !webhooks.some((t) => t.id === r.toolId) ? [r.toolId] : [])).join(", ")}{" "}
          <button type="button" class="link" onClick={() => store.edit((x) => void (x.tools = x.tools.filter((r) => r.type !== "webhook" || webhooks.some((t) => t.id === r.toolId))))}>
            detach them
          </button>
        </p>
      )}
      <h3>System tools</h3>
      <ul class="plain">
        {SystemToolName.options.map((name) => {
          const match = (r: ToolRef) => r.type === "system" && r.name === name;
          const i = indexOf(match);
          const ref = refs[i];
          return (
            <li key={name}>
              <label class="check">
                <input type="checkbox" data-field={i >= 0 ? `tools.${i}` : undefined} checked={i >= 0} onChange={(e) => toggle(systemToolRef(name), e.currentTarget.checked, match)} />
                <code>{name}</code> <span class="muted">{systemToolDescriptions[name]}</span>
                {i >= 0 && name === "transfer_to_number" && <span class="muted">Its destinations are set on the Phone tab.</span>}
              </label>
              {err(`tools.${i}`) && <div class="error">{err(`tools.${i}`)}</div>}
              {ref?.type === "system" && name === "transfer_to_agent" && <TransferTargets store={store} index={i} targets={ref.targets ?? []} agents={others} />}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function TransferTargets(props: { store: AgentEditorStore; index: number; targets: { agentId: string; when: string }[]; agents: { id: string; name: string }[] }) {
  const { store, index } = props;
  const err = (key: string) => store.fields.value[`tools.${index}.${key}`];
  const setTargets = (fn: (t: { agentId: string; when: string }[]) => { agentId: string; when: string }[]) =>
    store.edit((x) => {
      const ref = x.tools[index];
      if (ref?.type === "system") ref.targets = fn(ref.targets ?? []);
    });
  const first = props.agents[0];
  return (
    <div class="card">
      {err("targets") && <p class="error">{err("targets")}</p>}
      {props.targets.map((t, j) => (
        <div key={j} class="row">
          <select value={t.agentId} onChange={(e) => setTargets((ts) => ts.map((x, k) => (k === j ? { ...x, agentId: e.currentTarget.value } : x)))}>
            {!props.agents.some((a) => a.id === t.agentId) && <option value={t.agentId}>{t.agentId} (unknown)</option>}
            {props.agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <input class="grow" placeholder="When to transfer, e.g. the caller asks about billing" value={t.when} onInput={(e) => setTargets((ts) => ts.map((x, k) => (k === j ? { ...x, when: e.currentTarget.value } : x)))} />
          <button type="button" class="link danger" onClick={() => setTargets((ts) => ts.filter((_, k) => k !== j))}>
            Remove
          </button>
          {(err(`targets.${j}.agentId`) ?? err(`targets.${j}.when`)) && <span class="error">{err(`targets.${j}.agentId`) ?? err(`targets.${j}.when`)}</span>}
        </div>
      ))}
      {first ? (
        <button type="button" class="link" onClick={() => setTargets((ts) => [...ts, { agentId: first.id, when: "" }])}>
          Add a target agent
        </button>
      ) : (
        <p class="muted">This space has no other agent to transfer to.</p>
      )}
    </div>
  );
}
