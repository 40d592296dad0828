// Valid bodies built on the default catalog's offline providers; tests override what they probe.
export function agentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Support agent",
    systemPrompt: "Help {{customer_name}} with order {{order_id}}.",
    temperature: 0.3,
    llm: { provider: "scripted", model: "demo" },
    stt: { provider: "pocketsphinx", model: "en-us" },
    defaultLanguage: "en-US",
    locales: [{ language: "en-US", firstMessage: "Hi {{customer_name}}!", tts: { provider: "flite", model: "flite", voice: "rms" } }],
    variables: {
      type: "object",
      properties: {
        customer_name: { type: "string", default: "there" },
        order_id: { type: "integer" },
      },
      required: ["order_id"],
    },
    ...overrides,
  };
}

export function toolBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code: `order_status_${crypto.randomUUID().slice(0, 8)}`,
    description: "Look up the status of an order",
    method: "GET",
    url: "https://shop.example.test/orders/{orderId}?customer={{customer_name}}",
    bodySchema: { type: "object", properties: { orderId: { type: "integer", description: "The order number" } }, required: ["orderId"] },
    timeoutMs: 5000,
    preToolSpeech: "Let me check that for you.",
    progressSpeech: { text: "Still looking, one moment.", afterMs: 2000 },
    secretHeaders: { Authorization: "Bearer shop-secret-123" },
    ...overrides,
  };
}
