// A call's direction where sessions are listed or shown: a phone glyph with an arrow (in or out)
// and the word, so it reads without colour.
import type { CallDirection } from "../../../packages/contracts/src/telephony.ts";
import { directionLabel } from "../stores/session-phone.ts";

export function CallDirectionLabel({ direction }: { direction: CallDirection }) {
  return (
    <span class={`call-direction ${direction}`}>
      <svg class="phone-icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
        <path
          fill="currentColor"
          d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"
        />
        <path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d={direction === "inbound" ? "M21 3l-6 6m0-4v4h4" : "M15 9l6-6m-4 0h4v4"} />
      </svg>
      {directionLabel[direction]}
    </span>
  );
}
