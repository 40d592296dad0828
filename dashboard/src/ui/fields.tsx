// Small form controls shared by the editor pages: a labelled field with its inline error, number
// inputs that keep "empty" apart from 0, a copy-to-clipboard button.
import type { ComponentChildren } from "preact";
import { useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { plainMessage } from "./field-words.ts";
import { describedBy } from "./forms.ts";

/**
 * A labelled field with its hint or inline error. The controls inside it are tied to the message:
 * `aria-invalid="true"` while there is an error and `aria-describedby` naming the error's (or the
 * hint's) element, so a screen reader reads why a field is refused when it is focused.
 */
export function Field({ label, error, hint, children }: { label: string; error?: string | undefined; hint?: string; children: ComponentChildren }) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const ref = useRef<HTMLLabelElement>(null);
  const shown = error ? errorId : hint ? hintId : null;
  useLayoutEffect(() => {
    for (const control of ref.current?.querySelectorAll("input, select, textarea") ?? []) {
      if (error) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
      const ids = describedBy(control.getAttribute("aria-describedby"), shown, [errorId, hintId]);
      if (ids) control.setAttribute("aria-describedby", ids);
      else control.removeAttribute("aria-describedby");
    }
  });
  return (
    <label ref={ref} class={error ? "invalid" : ""}>
      {label}
      {children}
      {hint && !error && (
        <small class="muted" id={hintId}>
          {hint}
        </small>
      )}
      {error && (
        <span class="error" id={errorId}>
          {plainMessage(error)}
        </span>
      )}
    </label>
  );
}

/** The id of a field's error message for controls outside a Field (table cells, rows): unique per form path. */
export const errorIdOf = (path: string) => `error-${path.replace(/[^A-Za-z0-9_-]/g, "-")}`;

/** A control's aria props while `error` is set: marked invalid and described by `<FieldMessage path>`. */
export function invalidProps(path: string, error: string | null | undefined): { "aria-invalid"?: "true"; "aria-describedby"?: string } {
  return error ? { "aria-invalid": "true", "aria-describedby": errorIdOf(path) } : {};
}

/** The error message of a control outside a Field, in plain words, with the id `invalidProps` points at. */
export function FieldMessage({ path, error }: { path: string; error: string | null | undefined }) {
  if (!error) return null;
  return (
    <span class="error" id={errorIdOf(path)}>
      {plainMessage(error)}
    </span>
  );
}

/** The number typed, NaN for text that is not one (the schema reports it), null when empty. */
export function numberOf(text: string): number | null {
  return text.trim() === "" ? null : Number(text);
}

export function NumberInput(props: { value: number | null; onValue: (n: number | null) => void; min?: number; max?: number; step?: number | "any"; placeholder?: string; label?: string; errorPath?: string; error?: string | null | undefined }) {
  return (
    <input
      type="number"
      aria-label={props.label}
      {...(props.errorPath ? invalidProps(props.errorPath, props.error) : {})}
      value={props.value === null || Number.isNaN(props.value) ? "" : String(props.value)}
      min={props.min}
      max={props.max}
      step={props.step ?? "any"}
      placeholder={props.placeholder}
      onInput={(e) => props.onValue(numberOf(e.currentTarget.value))}
    />
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => setState("copied"),
      () => setState("failed"),
    );
    setTimeout(() => setState("idle"), 2000);
  };
  return (
    <button type="button" onClick={copy}>
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select and copy" : label}
    </button>
  );
}
