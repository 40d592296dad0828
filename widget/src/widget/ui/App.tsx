// The widget's UI: the launcher while closed, the conversation panel while open. Real buttons
// throughout, focus moved into the panel when it opens and back to the launcher when it closes,
// and one live region that announces every state change. Escape closes the panel (ending a call);
// once a call starts, focus rests on the panel itself, so a second Enter cannot hang up.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { themeCss } from "../../shared/options.ts";
import type { CallController } from "../controller.ts";
import { isLive, stateName, stateText } from "../state.ts";
import { languageName } from "./language-name.ts";
import { styles } from "./styles.ts";
import { Transcript } from "./Transcript.tsx";

function LanguagePicker({ controller }: { controller: CallController }) {
  const { languages } = controller.config.value;
  if (languages.length < 2) return null;
  return (
    <label>
      Language
      <select value={controller.language.value} onChange={(e) => controller.setLanguage(e.currentTarget.value)}>
        {languages.map((l) => (
          <option key={l.language} value={l.language} lang={l.language}>
            {languageName(l.language)}
          </option>
        ))}
      </select>
    </label>
  );
}

function Controls({ controller, asking, keepTalking }: { controller: CallController; asking: boolean; keepTalking: () => void }) {
  const call = controller.call.value;
  if (asking) {
    return (
      <footer>
        <span class="ask">End the call and close?</span>
        <button type="button" class="end" onClick={() => controller.close()}>
          End call and close
        </button>
        <button type="button" class="secondary" data-focus onClick={keepTalking}>
          Keep talking
        </button>
      </footer>
    );
  }
  if (isLive(call)) {
    return (
      <footer>
        <button type="button" class="secondary" aria-pressed={controller.muted.value} onClick={() => controller.toggleMute()}>
          {controller.muted.value ? "Unmute" : "Mute"}
        </button>
        <button type="button" class="end" onClick={() => controller.hangUp()}>
          End call
        </button>
      </footer>
    );
  }
  return (
    <footer>
      <LanguagePicker controller={controller} />
      <button type="button" class="primary" data-focus onClick={() => controller.start()}>
        {call.phase === "error" ? "Try again" : call.phase === "ended" ? "Talk again" : "Start"}
      </button>
    </footer>
  );
}

function Panel({ controller }: { controller: CallController }) {
  const config = controller.config.value;
  const call = controller.call.value;
  const name = stateName(call);
  const live = isLive(call);
  // The close button asks first during a call: closing would hang up.
  const confirming = useSignal(false);
  const asking = live && confirming.value;
  const text = name === "idle" && config.languages.length > 1 ? "Choose your language, then press Start." : stateText(call, config.displayName);
  const ref = useRef<HTMLElement>(null);
  // Keyboard users land on the main control when the panel opens idle or a call is over, and on
  // the panel itself during a call (never on "End call").
  useEffect(() => {
    if (!live) confirming.value = false;
    const panel = ref.current;
    if (!panel) return;
    if (live && !asking) panel.focus();
    else panel.querySelector<HTMLElement>("[data-focus]")?.focus();
  }, [live, asking]);
  return (
    <section
      ref={ref}
      class={`panel ${name}`}
      aria-label={config.displayName}
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.stopPropagation();
        controller.close();
      }}
    >
      <header>
        <h2>{config.displayName}</h2>
        <button
          type="button"
          class="close"
          aria-label="Close"
          title={live ? "Close (asks to end the call)" : "Close"}
          onClick={() => (live ? (confirming.value = true) : controller.close())}
        >
          ×
        </button>
      </header>
      <div class="stage">
        <div class="orb" aria-hidden="true" />
        <p class="status" role={name === "error" ? "alert" : "status"} aria-live={name === "error" ? "assertive" : "polite"}>
          {text}
        </p>
      </div>
      {config.showTranscript && controller.transcript.value.length > 0 ? <Transcript lines={controller.transcript.value} agentName={config.displayName} /> : null}
      <Controls controller={controller} asking={asking} keepTalking={() => (confirming.value = false)} />
    </section>
  );
}

export function App({ controller }: { controller: CallController }) {
  const config = controller.config.value;
  const open = controller.open.value;
  const launcher = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(open);
  useEffect(() => {
    if (wasOpen.current && !open) launcher.current?.focus();
    wasOpen.current = open;
  }, [open]);
  const placement = config.placement === "inline" ? "inline" : `fixed ${config.placement}`;
  return (
    <div class={placement}>
      <style>{styles + themeCss(controller.theme.value)}</style>
      {open ? (
        <Panel controller={controller} />
      ) : (
        <button ref={launcher} type="button" class="launcher" part="launcher" onClick={() => controller.launch()}>
          {config.launcherText}
        </button>
      )}
      <div
        class="sr"
        ref={(el) => {
          controller.audioHost = el;
        }}
      />
    </div>
  );
}
