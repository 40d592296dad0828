// The scripted LLM's phone rules (see scripted-llm.ts): it acknowledges keys the caller pressed,
// and presses keys itself when asked to ("press 1 2 3", "dial four five pound").

/** The input the session runner gives the LLM for pressed keys (session/phone.ts dtmfUserInput). */
const pressedInput = /pressed these keys on the phone keypad: ([0-9*#A-D ]+)$/;

const KEY_WORDS: Partial<Record<string, string>> = {
  zero: "0", oh: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9",
  star: "*", asterisk: "*", pound: "#", hash: "#",
};
const KEY_NAMES: Partial<Record<string, string>> = { "*": "star", "#": "pound" };
/** Words that may stand between the cue and the keys, or between keys. */
const BETWEEN = new Set(["the", "key", "keys", "button", "buttons", "digit", "digits", "number", "numbers", "then", "and", "followed", "by", "please"]);

/** "The caller pressed these keys on the phone keypad: 1 2 #" → "You pressed 1, 2, pound." */
export function keysPressedReply(utterance: string): string | undefined {
  const keys = pressedInput.exec(utterance.trim())?.[1]?.replace(/\s+/g, "");
  if (!keys) return undefined;
  return `You pressed ${[...keys].map((k) => KEY_NAMES[k] ?? k).join(", ")}.`;
}

/** The keys a request to press some asks for ("press 1 2 3", "dial four five pound"), at most 32. */
export function keysToPress(utterance: string): string | undefined {
  const words = utterance.toLowerCase().split(/[^a-z0-9*#]+/).filter(Boolean);
  const cue = words.findIndex((w) => w === "press" || w === "dial" || w === "enter" || w === "type");
  if (cue < 0) return undefined;
  let keys = "";
  for (const word of words.slice(cue + 1)) {
    if (/^[0-9*#]+$/.test(word)) keys += word;
    else if (KEY_WORDS[word]) keys += KEY_WORDS[word];
    else if (!BETWEEN.has(word)) break;
  }
  return keys.length > 0 && keys.length <= 32 ? keys : undefined;
}
