// Identities of the built-in development OIDC issuer and the demo data `npm run dev` seeds.
// Development only: the issuer that knows these users is enabled by configuration alone.
import { and, eq } from "drizzle-orm";
import type { Database } from "./client.ts";
import { AgentConfig, CreateTestCaseBody } from "@speaknode/contracts";
import { memberships, spaces, users } from "./schema.ts";
import { agents, agentVersions, tools } from "./schema-agents.ts";
import { agentTestCases } from "./schema-agent-tests.ts";
import { plans, subscriptions } from "./schema-billing.ts";

export interface DevIdentity {
  sub: string;
  email: string;
  name: string;
  roles: string[];
}

/** Every dev identity signs in with this password through the password grant. */
export const devPassword = "speaknode";

export const devIdentities: DevIdentity[] = [
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a01", email: "owner@speaknode.local", name: "Olivia Owner", roles: [] },
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a02", email: "member@speaknode.local", name: "Milo Member", roles: [] },
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a03", email: "admin@speaknode.local", name: "Ada Admin", roles: ["platform-admin"] },
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a04", email: "guest@speaknode.local", name: "Gus Guest", roles: [] },
];

export const demoSpaceId = "spc_000000000000000000000000d1";
export const demoAgentId = "agt_000000000000000000000000d1";
export const demoToolId = "tol_000000000000000000000000d1";
/** The seeded plan the demo space is subscribed to: its campaigns, numbers and concurrent calls
 *  fit the demos, while spaces made later start on BILLING_DEFAULT_PLAN (free). */
export const demoPlanCode = "pro";

/** The simulated Twilio account of the embedded default (simulators/twilio), its connection in
 *  the demo space and its one number, bound to the demo agent. */
export const demoTwilioAccountSid = "AC00000000000000000000000000000d1a";
export const demoTelephonyConnectionId = "tcn_000000000000000000000000d1";
export const demoPhoneNumberId = "pnm_000000000000000000000000d1";
export const demoPhoneNumberSid = "PN00000000000000000000000000000d1a";
export const demoPhoneNumber = "+15555550100";
/** The demo space's simulated VoxImplant account (simulators/voximplant), its application, routing
 *  rule and number, bound to the demo agent like the Twilio one. */
export const demoVoximplantAccountId = "9000001";
export const demoVoximplantApplicationId = 7000001;
export const demoVoximplantRuleId = 8000001;
export const demoVoximplantConnectionId = "tcn_000000000000000000000000d2";
export const demoVoximplantNumberId = "pnm_000000000000000000000000d2";
export const demoVoximplantPhoneId = "6000001";
export const demoVoximplantNumber = "+15555550200";
/** A simulated phone outbound calls of the demo reach (the simulator answers it). */
export const demoCalleeNumber = "+15555550199";

/** The demo shop's order lookup (served by the Worker's /dev/demo-shop when dev tools are on). */
function demoTool(baseUrl: string) {
  return {
    id: demoToolId,
    spaceId: demoSpaceId,
    code: "check_order",
    description: "Look up the status of a customer's order by its number.",
    method: "GET" as const,
    url: `${baseUrl}/dev/demo-shop/orders/{orderId}`,
    headersSchema: null,
    bodySchema: { type: "object", properties: { orderId: { type: "string", description: "The order number, digits only" } }, required: ["orderId"] },
    headers: {},
    secretHeaderNames: [],
    timeoutMs: 5000,
    preToolSpeech: "Let me look that up.",
    progressSpeech: null,
    transferRules: [],
  };
}

/** The demo agent runs entirely on the offline providers of the embedded default. */
export const demoAgentConfig = AgentConfig.parse({
  name: "Demo receptionist",
  systemPrompt:
    "You are the receptionist of Speaknode's demo shop. Greet {{customer_name}} by name, answer briefly, and check an order with the check_order tool when asked.",
  temperature: 0,
  llm: { provider: "scripted", model: "demo" },
  stt: { provider: "pocketsphinx", model: "en-us" },
  defaultLanguage: "en-US",
  locales: [
    {
      language: "en-US",
      firstMessage: "Hello {{customer_name}}! This is the Speaknode demo. I can check an order for you.",
      tts: { provider: "flite", model: "flite", voice: "rms" },
    },
  ],
  variables: { type: "object", properties: { customer_name: { type: "string", description: "How to greet the caller", default: "there" } }, required: [] },
  tools: [{ type: "webhook", toolId: demoToolId }, { type: "system", name: "end_call" }],
  widget: { displayName: "Speaknode demo", launcherText: "Talk to the demo" },
  // The demo's simulated callers speak with flite, whose flat voice the end-of-turn model often
  // hears as unfinished ("…number forty two": 0.29 against 0.36): a shorter wait than the default
  // 2.5 s keeps such a turn under 1.5 s while a real mid-sentence pause still gets 1.5 s.
  turn: { maxEndpointingDelayMs: 1500 },
});

/** The demo agent's test cases: scripted callers whose lines the offline scripted LLM answers
 *  (voice-runtime/src/providers/offline/scripted-llm.ts: "hello" → its greeting naming the agent,
 *  "order … forty two" → check_order with orderId "42", "goodbye" → end_call), so they pass in text
 *  mode with no model and no network. The order lookup's mock answers a status the demo shop would
 *  not give for order 42 ("out for delivery"), so a pass shows the mock answered, not the shop.
 *  Not required: publishing the demo agent does not wait for a runtime to run them. */
export const demoTestCases: { id: string; body: CreateTestCaseBody }[] = [
  {
    id: "atc_000000000000000000000000d1",
    body: CreateTestCaseBody.parse({
      name: "Greeting",
      description: "A caller says hello: the agent greets back by its name and offers help, calling no tool.",
      caller: { kind: "scripted", turns: [{ user: "Hello there", expect: [{ type: "reply_contains", text: "Hello" }, { type: "reply_contains", text: "Demo receptionist" }, { type: "reply_contains", text: "How can I help" }, { type: "no_tool_called" }] }] },
      variables: { customer_name: "Ada" },
    }),
  },
  {
    id: "atc_000000000000000000000000d2",
    body: CreateTestCaseBody.parse({
      name: "Order lookup",
      description: "A caller asks about order forty two: the agent calls check_order (mocked) with orderId 42 and reads back its status.",
      caller: {
        kind: "scripted",
        turns: [{ user: "Please check my order number forty two", expect: [{ type: "tool_called", tool: "check_order", arguments: { orderId: "42" } }, { type: "reply_contains", text: "shipped" }] }],
      },
      variables: { customer_name: "Ada" },
      toolMocks: [{ tool: "check_order", match: "subset", arguments: { orderId: "42" }, output: { orderId: "42", status: "shipped", items: 2 } }],
      expect: [{ type: "never_says", text: "didn't catch that" }],
    }),
  },
  {
    id: "atc_000000000000000000000000d3",
    body: CreateTestCaseBody.parse({
      name: "Goodbye",
      description: "After a greeting the caller says goodbye: the agent ends the call, and the caller says nothing more.",
      caller: {
        kind: "scripted",
        turns: [
          { user: "Hi", expect: [{ type: "no_tool_called" }] },
          { user: "Goodbye!", expect: [{ type: "tool_called", tool: "end_call" }, { type: "call_ended" }] },
        ],
      },
      variables: { customer_name: "Ada" },
      expect: [{ type: "call_ended" }, { type: "max_turns", turns: 2 }],
    }),
  },
];

/** Ensures the demo space (Owner, Member) and its published demo agent exist; safe on every start. */
export async function seedDemo(db: Database, issuer: string, newUserId: () => string): Promise<{ spaceId: string; agentId: string }> {
  const ids = new Map<string, string>();
  for (const who of devIdentities.slice(0, 3)) {
    const [row] = await db
      .insert(users)
      .values({
        id: newUserId(),
        oidcIssuer: issuer,
        oidcSubject: who.sub,
        email: who.email,
        emailVerified: true,
        name: who.name,
        isPlatformAdmin: who.roles.includes("platform-admin"),
      })
      .onConflictDoUpdate({ target: [users.oidcIssuer, users.oidcSubject], set: { email: who.email } })
      .returning({ id: users.id });
    if (row) ids.set(who.email, row.id);
  }
  await db.insert(spaces).values({ id: demoSpaceId, name: "Demo space" }).onConflictDoNothing();
  // Written once: a plan the Owner picks later on the billing page survives every restart.
  const [plan] = await db.select({ id: plans.id }).from(plans).where(eq(plans.code, demoPlanCode));
  if (plan) await db.insert(subscriptions).values({ spaceId: demoSpaceId, planId: plan.id }).onConflictDoNothing();
  const roles: [string, "owner" | "member"][] = [
    ["owner@speaknode.local", "owner"],
    ["member@speaknode.local", "member"],
  ];
  for (const [email, role] of roles) {
    const userId = ids.get(email);
    if (!userId) continue;
    const existing = await db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.spaceId, demoSpaceId), eq(memberships.userId, userId)));
    if (existing.length === 0) await db.insert(memberships).values({ spaceId: demoSpaceId, userId, role });
  }
  const baseUrl = issuer.replace(/\/dev\/oidc\/?$/, "");
  const tool = demoTool(baseUrl);
  const now = new Date();
  await db.insert(tools).values({ ...tool, createdAt: now, updatedAt: now }).onConflictDoNothing();
  const { name, ...config } = demoAgentConfig;
  const [created] = await db.insert(agents).values({ id: demoAgentId, spaceId: demoSpaceId, name, config, publishedVersion: 1 }).onConflictDoNothing().returning({ id: agents.id });
  if (created) {
    const snapshotTool = { ...tool, kind: "webhook", version: 1, parameterLocations: null, createdAt: now.toISOString(), updatedAt: now.toISOString() };
    await db.insert(agentVersions).values({ id: "agv_000000000000000000000000d1", agentId: demoAgentId, version: 1, snapshot: { agent: demoAgentConfig, tools: [snapshotTool] }, note: "seeded demo" });
  }
  // Each by its own id: an edited demo case keeps its edits on every start.
  for (const { id, body } of demoTestCases) {
    const { name: caseName, required, ...spec } = body;
    await db.insert(agentTestCases).values({ id, spaceId: demoSpaceId, agentId: demoAgentId, name: caseName, required, spec, createdAt: now, updatedAt: now }).onConflictDoNothing();
  }
  return { spaceId: demoSpaceId, agentId: demoAgentId };
}
