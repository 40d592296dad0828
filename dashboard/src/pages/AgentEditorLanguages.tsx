// The agent editor's Languages tab: the default language, automatic detection, and one card per
// locale (its TTS model, a voice picker suggesting the provider's known voices, speed, background
// sound, first message). Each edits the store's draft.
import { useSignal } from "@preact/signals";
import { BackgroundSound, type AgentConfig, type Locale } from "../../../packages/contracts/src/agents.ts";
import type { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import type { VariablesSchema } from "../../../packages/contracts/src/variables.ts";
import { voicesFor } from "../../../packages/contracts/src/voices.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { Field } from "../ui/fields.tsx";
import { ModelSelect, PromptInput, useErr, type Props } from "./AgentEditorTabs.tsx";

const defaultVoice = (m: CatalogModel) => (typeof m.defaultParams["voice"] === "string" ? m.defaultParams["voice"] : null);

export function LanguagesTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  const adding = useSignal("");
  if (!d) return null;
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
      <div class="grid">
        <Field label="Default language" error={err("defaultLanguage")}>
          <select value={d.defaultLanguage} onChange={(e) => store.edit((x) => void (x.defaultLanguage = e.currentTarget.value))}>
            {!d.locales.some((l) => l.language === d.defaultLanguage) && <option value={d.defaultLanguage}>{d.defaultLanguage} (no locale)</option>}
            {d.locales.map((l) => (
              <option key={l.language} value={l.language}>
                {l.language}
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
        <LocaleCard key={i} store={store} locale={l} index={i} isDefault={l.language === d.defaultLanguage} onRemove={d.locales.length > 1 ? () => remove(i) : null} variables={d.variables} />
      ))}
      <div class="row">
        <input aria-label="New locale's language" placeholder="Language tag, e.g. de or pt-BR" value={adding.value} onInput={(e) => (adding.value = e.currentTarget.value)} onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), add())} />
        <button type="button" onClick={add} disabled={!adding.value.trim()}>
          Add language
        </button>
      </div>
    </div>
  );
}

function LocaleCard(props: { store: AgentEditorStore; locale: Locale; index: number; isDefault: boolean; onRemove: (() => void) | null; variables: VariablesSchema }) {
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
        <strong>{l.language || "New language"}</strong>
        {props.isDefault && <span class="badge ok">default</span>}
        <span class="spacer" />
        {props.onRemove && (
          <button type="button" class="link danger" onClick={props.onRemove}>
            Remove
          </button>
        )}
      </div>
      <div class="grid">
        <Field label="Language" error={err(k("language"))}>
          <input
            value={l.language}
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
            onPick={(m) =>
              set((x) => {
                const voice = defaultVoice(m);
                // Voices and parameters are the provider's own: another provider's make no sense.
                if (m.provider !== x.tts.provider) {
                  if (voice) x.tts.voice = voice;
                  x.tts.params = {};
                }
                x.tts.provider = m.provider;
                x.tts.model = m.model;
              })
            }
          />
        </Field>
        <VoiceField locale={l} index={i} error={err(k("tts.voice"))} onVoice={(v) => set((x) => void (x.tts.voice = v))} />
        <Field label={`Speed (${l.speed}×)`} error={err(k("speed"))}>
          <input type="range" min={0.5} max={2} step={0.05} value={l.speed} onInput={(e) => set((x) => void (x.speed = e.currentTarget.valueAsNumber))} />
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
      <Field label="First message" error={err(k("firstMessage"))} hint="Said when the call starts; empty: the caller speaks first.">
        <PromptInput
          value={l.firstMessage}
          variables={props.variables}
          rows={2}
          onValue={(v) => set((x) => void (x.firstMessage = v))}
          onDeclare={(name) => store.edit((x) => void (x.variables.properties[name] = { type: "string" }))}
        />
      </Field>
    </div>
  );
}

/** Free text with the provider's known voices offered in a datalist (ElevenLabs and Cartesia ids have no list, only a hint). */
function VoiceField(props: { locale: Locale; index: number; error: string | undefined; onVoice: (voice: string) => void }) {
  const { voices, hint } = voicesFor(props.locale.tts.provider);
  const listId = `voices-${props.index}`;
  const known = voices.find((v) => v.id === props.locale.tts.voice);
  // A voice below 16 kHz sounds like a telephone line in the browser: say so before it is tested.
  const rate = known?.sampleRateHz;
  const note = rate !== undefined && rate < 16_000 ? `${known?.id} is ${rate / 1000} kHz: telephone quality.` : known?.note ? `${known.note}.` : "";
  return (
    <Field label="Voice" error={props.error} hint={note ? `${hint} ${note}` : hint}>
      <input value={props.locale.tts.voice} list={voices.length > 0 ? listId : undefined} placeholder="voice id of the TTS provider" onInput={(e) => props.onVoice(e.currentTarget.value)} />
      {voices.length > 0 && (
        <datalist id={listId}>
          {voices.map((v) => (
            <option key={v.id} value={v.id} label={[v.note, v.sampleRateHz ? `${v.sampleRateHz / 1000} kHz` : ""].filter(Boolean).join(", ") || v.id} />
          ))}
        </datalist>
      )}
    </Field>
  );
}
