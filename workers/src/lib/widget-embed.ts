// Where the widget lives on this Worker and the snippet that puts an agent on a page; shared by
// the embed operation and the hosted public page so both always show the same thing.

/** The loader a page includes; it loads the rest of the widget lazily. */
export const loaderPath = "/speaknode-widget-loader.js";

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

export function loaderUrl(origin: string): string {
  return origin + loaderPath;
}

export function publicLinkUrl(origin: string, agentId: string): string {
  return `${origin}/a/${encodeURIComponent(agentId)}`;
}

/** The element and the loader's script tag, as a site owner pastes them. */
export function embedSnippet(origin: string, agentId: string): string {
  return `<speacknode-agent agent-id="${escapeHtml(agentId)}"></speacknode-agent>\n<script src="${escapeHtml(loaderUrl(origin))}" async></script>`;
}
