// The widget's UI: the launcher while closed, the conversation panel while open. Real buttons
// throughout, focus moved into the panel when it opens and back to the launcher when it closes,
// and one live region that announces every state change.
import { useEffect, useRef } from "preact/hooks";
import { themeCss } from "../../shared/options.ts";
import type { PublicWidgetConfig } from "../../shared/types.ts";
import type { CallController } from "../controller.ts";
import { isLive, stateName, stateText } from "../state.ts";
import { styles } from "./styles.ts";
import { Transcript } from "./Transcript.tsx";

function languageName(tag: string): string {
  try {
    return new Intl.DisplayNames([tag], { type: "language" }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

function LanguagePicker({ controller, config, disabled }: { controller: CallController; config: PublicWidgetConfig; disabled: boolean }) {
  if (config.languages.length < 2) return null;
  return (
    <label>
      Language
      <select disabled={disabled} value={controller.language.value} onChange={(e) => controller.setLanguage(e.currentTarget.value)}>
        {config.languages.map((l) => (
          <option key={l.language} value={l.language}>
            {languageName(l.language)}
          </option>
        ))}
      </select>
    </label>
  );
}

function Controls({ controller, config }: { controller: CallController; config: PublicWidgetConfig }) {
  const call = controller.call.value;
  const live = isLive(call);
  const startLabel = call.phase === "error" ? "Try again" : call.phase === "ended" ? "Talk again" : "Start";
  return (
    <footer>
      <LanguagePicker controller={controller} config={config} disabled={live} />
      {live ? (
        <>
          <button type="button" class="secondary" aria-pressed={controller.muted.value} onClick={() => controller.toggleMute()}>
            {controller.muted.value ? "Unmute" : "Mute"}
          </button>
          <button type="button" class="end" data-focus onClick={() => controller.hangUp()}>
            End call
          </button>
        </>
      ) : (
        <button type="button" class="primary" data-focus onClick={() => controller.start()}>
          {startLabel}
        </button>
      )}
    </footer>
  );
}

function Panel({ controller, config }: { controller: CallController; config: PublicWidgetConfig }) {
  const call = controller.call.value;
  const name = stateName(call);
  const text = stateText(call, config.displayName);
  const ref = useRef<HTMLElement>(null);
  // Keyboard users land on the main control when the panel opens and when it swaps buttons.
  const live = isLive(call);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>("[data-focus]")?.focus();
  }, [live]);
  return (
    <section ref={ref} class={`panel ${name}`} aria-label={config.displayName}>
      <header>
        <h2>{config.displayName}</h2>
        <button type="button" class="close" aria-label="Close" onClick={() => controller.close()}>
          ×
        </button>
      </header>
      <div class="stage">
        <div class="orb" aria-hidden="true" />
        <p class="status" role={name === "error" ? "alert" : "status"} aria-live={name === "error" ? "assertive" : "polite"}>
          {text}
        </p>
      </div>
      {config.showTranscript ? <Transcript lines={controller.transcript.value} agentName={config.displayName} /> : null}
      <Controls controller={controller} config={config} />
    </section>
  );
}

export function App({ controller, config }: { controller: CallController; config: PublicWidgetConfig }) {
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
        <Panel controller={controller} config={config} />
      ) : (
        <button ref={launcher} type="button" class="launcher" part="launcher" onClick={() => controller.start()}>
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
