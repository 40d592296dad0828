// Small form controls shared by the editor pages: a labelled field with its inline error, number
// inputs that keep "empty" apart from 0, a copy-to-clipboard button, a form's alert and its
// submit / Cancel row, and the save of a form checked before sending.
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { plainMessage } from "./field-words.ts";
import { describedBy, fieldsHeadline, formErrors, type FieldErrors } from "./forms.ts";

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

/** A message read out as soon as it shows (a refusal, a failed request); nothing while null. */
export function AlertMessage({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

/** A form's submit button (its words while busy) and Cancel. */
export function SubmitCancel({ busy, label, busyLabel, onCancel }: { busy: boolean; label: string; busyLabel: string; onCancel: () => void }) {
  return (
    <div class="row">
      <button type="submit" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
      <button type="button" class="link" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** What a save sends once the form checks out (null: nothing to send), or the fields it refuses. */
export type SavePlan = { ok: true; body: (() => Promise<unknown>) | null } | { ok: false; fields: FieldErrors };

/**
 * A form's save: the form's own refusals by their fields under the common headline, else the
 * request (none when nothing changed) and `onDone`; the API's refusals by their fields, placed by
 * `place` (a form may move them onto the control they are about).
 */
export function useFormSave(onDone: () => void) {
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const busy = useSignal(false);
  const submit = async (e: Event, plan: () => SavePlan, place: (fields: FieldErrors) => FieldErrors) => {
    e.preventDefault();
    message.value = null;
    const checked = plan();
    if (!checked.ok) {
      fields.value = checked.fields;
      message.value = fieldsHeadline;
      return;
    }
    fields.value = {};
    busy.value = true;
    try {
      await checked.body?.();
      onDone();
    } catch (err) {
      const r = formErrors(err);
      fields.value = place(r.fields);
      message.value = r.message;
    } finally {
      busy.value = false;
    }
  };
  return { fields, message, busy, submit };
}
