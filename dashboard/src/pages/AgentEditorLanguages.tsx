// The agent editor's Languages tab: the default language, automatic detection, and one card per
// locale named by its language ("German (de)"): its TTS model with the provider's readiness, the
// voice library with a spoken preview, speed, background sound, first message; a locale the speech
// to text cannot hear is flagged. Switching the TTS provider never keeps another provider's voice.
import { useSignal } from "@preact/signals";
import { BackgroundSound, type AgentConfig, type Locale } from "../../../packages/contracts/src/agents.ts";
import type { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import type { VariablesSchema } from "../../../packages/contracts/src/variables.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { languageLabel } from "../stores/language-label.ts";
import { sttLanguageIssues } from "../stores/readiness.ts";
import { voiceForProvider } from "../stores/voices.ts";
import { Field } from "../ui/fields.tsx";
import { ReadinessError, ReadinessLine, readinessNote, useReadiness } from "./AgentEditorReadiness.tsx";
import { ModelSelect, PromptInput, useErr, type Props } from "./AgentEditorTabs.tsx";
import { VoicePicker } from "./AgentEditorVoices.tsx";

const defaultVoice = (m: CatalogModel) => (typeof m.defaultParams["voice"] === "string" ? m.defaultParams["voice"] : null);

export function LanguagesTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  const adding = useSignal("");
  useReadiness(store);
  if (!d) return null;
  const deaf = sttLanguageIssues(d, store.catalog.value, store.readiness.readiness.value);
  const add = () => {
    const language = adding.value.trim();
    if (!language) return;
    store.edit((x) => {
      const base = x.locales.find((l) => l.language === x.defaultLanguage) ?? x.locales[0];
      const locale: Locale = {
        language,
        firstMessage: "",
        tts: base ? structuredClone(base.tts) : { provider: "", model: "", voice: "", params: {} },
        speed: 1,
        background: { sound: "none", volume: 0.2 },
      };
      x.locales.push(locale);
    });
    adding.value = "";
  };
  const remove = (i: number) =>
    store.edit((x) => {
      const [gone] = x.locales.splice(i, 1);
      if (gone && gone.language === x.defaultLanguage) x.defaultLanguage = x.locales[0]?.language ?? x.defaultLanguage;
    });
  return (
    <div class="stack">
      <ReadinessError store={store} />
      <div class="grid">
        <Field label="Default language" error={err("defaultLanguage")}>
          <select value={d.defaultLanguage} data-field="defaultLanguage" onChange={(e) => store.edit((x) => void (x.defaultLanguage = e.currentTarget.value))}>
            {!d.locales.some((l) => l.language === d.defaultLanguage) && <option value={d.defaultLanguage}>{languageLabel(d.defaultLanguage)} (no locale)</option>}
            {d.locales.map((l) => (
              <option key={l.language} value={l.language}>
                {languageLabel(l.language)}
              </option>
            ))}
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" checked={d.autoDetectLanguage} onChange={(e) => store.edit((x) => void (x.autoDetectLanguage = e.currentTarget.checked))} />
          Detect the caller's language automatically
        </label>
      </div>
      {err("locales") && <p class="error">{err("locales")}</p>}
      {d.locales.map((l, i) => (
        <LocaleCard key={i} store={store} locale={l} index={i} isDefault={l.language === d.defaultLanguage} onRemove={d.locales.length > 1 ? () => remove(i) : null} variables={d.variables} sttIssue={deaf[i] ?? null} />
      ))}
      <div class="row">
        <input aria-label="New locale's language" placeholder="Language tag, e.g. de or pt-BR" value={adding.value} onInput={(e) => (adding.value = e.currentTarget.value)} onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), add())} />
        <button type="button" onClick={add} disabled={!adding.value.trim()}>
          {adding.value.trim() ? `Add ${languageLabel(adding.value)}` : "Add language"}
        </button>
      </div>
    </div>
  );
}

function LocaleCard(props: { store: AgentEditorStore; locale: Locale; index: number; isDefault: boolean; onRemove: (() => void) | null; variables: VariablesSchema; sttIssue: string | null }) {
  const { store, locale: l, index: i } = props;
  const err = useErr(store);
  const k = (rest: string) => `locales.${i}.${rest}`;
  const set = (fn: (x: Locale, config: AgentConfig) => void) =>
    store.edit((x) => {
      const target = x.locales[i];
      if (target) fn(target, x);
    });
  return (
    <div class="card">
      <div class="row">
        <strong>{languageLabel(l.language)}</strong>
        {props.isDefault && <span class="badge ok">default</span>}

        <span class="spacer" />
        {props.onRemove && (
          <button type="button" class="link danger" onClick={props.onRemove}>
            Remove
          </button>
        )}
      </div>
      {props.sttIssue && <p class="warn-text">{props.sttIssue}</p>}
      <div class="grid">
        <Field label="Language" error={err(k("language"))}>
          <input
            value={l.language}
            data-field={k("language")}
            onInput={(e) =>
              set((x, config) => {
                if (config.defaultLanguage === x.language) config.defaultLanguage = e.currentTarget.value;
                x.language = e.currentTarget.value;
              })
            }
          />
        </Field>
        <Field label="Text to speech" error={err(k("tts.model")) ?? err(k("tts.provider"))}>
          <ModelSelect
            store={store}
            kind="tts"
            value={l.tts}
            language={l.language}
            field={k("tts.model")}
            note={readinessNote(store, "tts")}
            onPick={(m) =>
              set((x) => {
                // Voices, parameters and keys are the provider's own: another provider's make no sense.
                if (m.provider !== x.tts.provider) {
                  x.tts.params = {};
                  delete x.tts.credentialId;
                }
                x.tts.voice = voiceForProvider(m.provider, x.tts.voice, { modelDefault: defaultVoice(m), library: store.voices.libraryOf(store.agent.value?.spaceId ?? "", m.provider) });
                x.tts.provider = m.provider;
                x.tts.model = m.model;
              })
            }
          />
          <ReadinessLine store={store} kind="tts" choice={l.tts} language={l.language} />
        </Field>
        <VoicePicker store={store} locale={l} index={i} error={err(k("tts.voice"))} onVoice={(v) => set((x) => void (x.tts.voice = v))} />
        <Field label={`Speed (${l.speed}×)`} error={err(k("speed"))}>
          <input type="range" min={0.5} max={2} step={0.05} value={l.speed} data-field={k("speed")} onInput={(e) => set((x) => void (x.speed = e.currentTarget.valueAsNumber))} />
        </Field>
        <Field label="Background sound" error={err(k("background.sound"))}>
          <select value={l.background.sound} onChange={(e) => set((x) => void (x.background.sound = BackgroundSound.parse(e.currentTarget.value)))}>
            {BackgroundSound.options.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label={`Background volume (${Math.round(l.background.volume * 100)}%)`} error={err(k("background.volume"))}>
          <input type="range" min={0} max={1} step={0.05} value={l.background.volume} disabled={l.background.sound === "none"} onInput={(e) => set((x) => void (x.background.volume = e.currentTarget.valueAsNumber))} />
        </Field>
      </div>
      <Field label="First message" error={err(k("firstMessage"))} hint="Said when the call starts; publishing needs one.">
        <div data-field={k("firstMessage")}>
          <PromptInput
          value={l.firstMessage}
          variables={props.variables}
          rows={2}
          onValue={(v) => set((x) => void (x.firstMessage = v))}
          onDeclare={(name) => store.edit((x) => void (x.variables.properties[name] = { type: "string" }))}
          />
        </div>
      </Field>
    </div>
  );
}
