// A language as its speakers name it ("Deutsch", "English (United States)"), so a visitor finds
// their own; the tag itself where the browser has no name for it.
export function languageName(tag: string): string {
  try {
    const name = new Intl.DisplayNames([tag], { type: "language" }).of(tag);
    if (!name || name.toLowerCase() === tag.toLowerCase()) return tag;
    // Some languages write their names in lower case ("español"); a menu entry starts with a capital.
    return name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
  } catch {
    return tag;
  }
}
