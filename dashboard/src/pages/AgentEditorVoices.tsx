// A locale's voice: the TTS provider's voice library (name, language, gender, style), an id field
// for providers whose voices are account-specific, and a Preview button that speaks a sample with
// the locale's voice and speed (the API answers a WAV, played here).
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { Locale } from "../../../packages/contracts/src/agents.ts";
import { voiceIssue, voicesFor } from "../../../packages/contracts/src/voices.ts";
import { errorMessage } from "../api/client.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { catalogLibrary, voiceLabel } from "../stores/voices.ts";
import { Field } from "../ui/fields.tsx";

export function VoicePicker(props: { store: AgentEditorStore; locale: Locale; index: number; error: string | undefined; onVoice: (voice: string) => void }) {
  const { store, locale: l, index: i } = props;
  const spaceId = store.agent.value?.spaceId ?? "";
  const provider = l.tts.provider;
  const previewing = useSignal(false);
  const previewError = useSignal<string | null>(null);
  const playing = useRef<{ audio: HTMLAudioElement; url: string } | null>(null);
  useEffect(() => {
    if (spaceId && provider) store.voices.load(spaceId, provider).catch(() => {}); // the message is kept per provider in the store
  }, [spaceId, provider]);
  useEffect(() => () => stop(), []);

  const library = store.voices.libraryOf(spaceId, provider) ?? catalogLibrary(provider);
  const loadError = store.voices.errors.value[store.voices.key(spaceId, provider)];
  const voice = l.tts.voice;
  const selected = library.voices.find((v) => v.id === voice);
  const issue = voice.trim() ? voiceIssue(provider, voice) : null;
  const rate = voicesFor(provider).voices.find((v) => v.id === voice)?.sampleRateHz;
  // A voice below 16 kHz sounds like a telephone line in the browser: say so before it is tested.
  const details = [selected ? voiceLabel(selected) : null, rate !== undefined && rate < 16_000 ? `${rate / 1000} kHz: telephone quality` : null].filter(Boolean).join(". ");

  function stop() {
    const current = playing.current;
    if (!current) return;
    current.audio.pause();
    URL.revokeObjectURL(current.url);
    playing.current = null;
  }
  const preview = async () => {
    stop();
    previewError.value = null;
    previewing.value = true;
    try {
      const wav = await store.voices.preview(spaceId, l);
      const url = URL.createObjectURL(wav);
      const audio = new Audio(url);
      playing.current = { audio, url };
      audio.onended = () => stop();
      await audio.play();
    } catch (err) {
      stop();
      previewError.value = err instanceof DOMException && err.name === "NotAllowedError" ? "The browser did not allow playing the sample: click Preview again." : `The preview failed: ${errorMessage(err)}`;
    } finally {
      previewing.value = false;
    }
  };

  return (
    <div class="stack" data-field={`locales.${i}.tts.voice`}>
      {library.voices.length > 0 && (
        <Field label="Voice" error={library.closed ? props.error : undefined} hint={details || library.hint}>
          <select value={selected ? voice : ""} onChange={(e) => e.currentTarget.value && props.onVoice(e.currentTarget.value)}>
            {!selected && <option value="">{voice ? `${voice} (not in ${provider}'s list)` : "Pick a voice"}</option>}
            {library.voices.map((v) => (
              <option key={v.id} value={v.id}>
                {voiceLabel(v)}
              </option>
            ))}
          </select>
        </Field>
      )}
      {!library.closed && (
        <Field label={library.voices.length > 0 ? "Or a voice id" : "Voice"} error={props.error ?? issue ?? undefined} hint={library.hint}>
          <input value={voice} placeholder={`voice id of ${provider || "the TTS provider"}`} onInput={(e) => props.onVoice(e.currentTarget.value)} />
        </Field>
      )}
      {loadError && <small class="muted">Only the built-in voices are listed: {loadError}</small>}
      <div class="row">
        <button type="button" class="secondary" onClick={() => void preview()} disabled={!spaceId || !voice.trim() || issue !== null || previewing.value}>
          {previewing.value ? "Preparing…" : "Preview"}
        </button>
        <small class="muted">Speaks a sample at {l.speed}× speed.</small>
      </div>
      {previewError.value && (
        <p class="error" role="alert">
          {previewError.value}
        </p>
      )}
    </div>
  );
}
