// The few lines the runtime itself says (not the LLM), per language; English when unknown.
const closing: Record<string, string> = {
  en: "I'm sorry, this conversation has reached its limit. Thank you for calling, goodbye.",
  es: "Lo siento, esta conversación ha llegado a su límite. Gracias por llamar, adiós.",
  fr: "Désolé, cette conversation a atteint sa limite. Merci de votre appel, au revoir.",
  de: "Entschuldigung, dieses Gespräch hat sein Limit erreicht. Danke für Ihren Anruf, auf Wiedersehen.",
  it: "Mi dispiace, questa conversazione ha raggiunto il limite. Grazie per la chiamata, arrivederci.",
  pt: "Desculpe, esta conversa atingiu o limite. Obrigado pela ligação, adeus.",
  ru: "Извините, этот разговор достиг предела. Спасибо за звонок, до свидания.",
};

/** Said when the conversation's token budget is spent, before hanging up. */
export function closingLine(language: string): string {
  return closing[language.split("-")[0]?.toLowerCase() ?? "en"] ?? (closing["en"] as string);
}
