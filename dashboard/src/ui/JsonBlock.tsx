// A collapsible JSON value (tool requests and responses, error details).
import { prettyJson } from "./session-format.ts";

export function JsonBlock({ label, value, open = false }: { label: string; value: unknown; open?: boolean }) {
  const text = prettyJson(value);
  return (
    <details class="json" open={open}>
      <summary>{label}</summary>
      {text ? <pre>{text}</pre> : <p class="muted">(empty)</p>}
    </details>
  );
}
