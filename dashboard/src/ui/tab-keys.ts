// The WAI-ARIA tabs pattern's keyboard: ArrowLeft/ArrowRight move to the previous/next tab
// (wrapping), Home/End to the first/last. A pure step so it is tested without a DOM.

/** The tab `key` moves to from `current`, or null when the key is not one the tab list handles. */
export function tabForKey<T>(ids: readonly T[], current: T, key: string): T | null {
  if (ids.length === 0) return null;
  const at = Math.max(0, ids.indexOf(current));
  switch (key) {
    case "ArrowRight":
      return ids[(at + 1) % ids.length] ?? null;
    case "ArrowLeft":
      return ids[(at - 1 + ids.length) % ids.length] ?? null;
    case "Home":
      return ids[0] ?? null;
    case "End":
      return ids[ids.length - 1] ?? null;
    default:
      return null;
  }
}
