// The platform's real Management API client and WebCrypto JWT signer against the simulator: the two
// were written apart from each other, so this checks they agree on the wire (paths, form fields,
// JWT claims, answer shapes, error bodies). Like product-scenario.test.ts, only this test imports
// product code; the simulator does not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVoximplantSimulator, type VoximplantSimulator } from "./server.ts";

// Loaded by path at run time: the Worker's modules use WebCrypto's DOM types (CryptoKey), which the
// Node typecheck of simulators/ (voice-runtime/tsconfig.json) does not have; the shapes used here
// are declared below instead.
interface TestKeyFile {
  account_id: number;
  key_id: string;
  private_key: string;
  pkcs1: string;
  publicKeyPem: string;
}
interface Client {
  getAccountInfo(): Promise<{ account_id: number }>;
  getApplications(applicationId: number): Promise<{ application_id: number }[]>;
  getRules(applicationId: number, ruleId: number): Promise<{ rule_id: number }[]>;
  getPhoneNumbers(o: { count: number; offset: number }): Promise<{ numbers: Record<string, unknown>[] }>;
  bindPhoneNumberToApplication(phoneId: number, applicationId: number, bind: boolean): Promise<void>;
  startScenarios(ruleId: number, customData: string): Promise<{ call_session_history_id: number }>;
}
const workers = "../../../workers/src/telephony/voximplant";
const { VoximplantClient } = (await import(`${workers}/client.ts`)) as { VoximplantClient: new (o: { baseUrl: string; signer: unknown; timeoutMs: number }) => Client };
const { voximplantSigner } = (await import(`${workers}/jwt.ts`)) as { voximplantSigner: (k: { account_id: number; key_id: string; private_key: string }) => unknown };
const { makeKeyFile } = (await import(`${workers}/testing.ts`)) as { makeKeyFile: (accountId: number, keyId: string) => Promise<TestKeyFile> };

let sim: VoximplantSimulator;
let key: TestKeyFile;
beforeAll(async () => {
  key = await makeKeyFile(9000001, "key-client");
  sim = await startVoximplantSimulator({
    accounts: [{ accountId: 9000001, keys: [{ keyId: key.key_id, publicKeyPem: key.publicKeyPem }], applications: [{ applicationId: 7000001, name: "speaknode", rules: [{ ruleId: 8000001, name: "outbound" }], scenario: "" }], numbers: [{ phoneId: 6000001, phoneNumber: "15555550200", applicationId: null }] }],
    speak: () => new Int16Array(0),
  });
});
afterAll(() => sim.close());

const clientWith = (privateKey: string, keyId = key.key_id) => new VoximplantClient({ baseUrl: sim.url, signer: voximplantSigner({ account_id: key.account_id, key_id: keyId, private_key: privateKey }), timeoutMs: 5000 });

describe("the platform's VoxImplant client against the simulator", () => {
  it.each([["a PKCS#8 key", false], ["a PKCS#1 key", true]])("is authorised with %s and reads every method's answer", async (_name, pkcs1) => {
    const client = clientWith(pkcs1 ? key.pkcs1 : key.private_key);
    expect((await client.getAccountInfo()).account_id).toBe(9000001);
    expect((await client.getApplications(7000001)).map((a) => a.application_id)).toEqual([7000001]);
    expect((await client.getRules(7000001, 8000001)).map((r) => r.rule_id)).toEqual([8000001]);
    await client.bindPhoneNumberToApplication(6000001, 7000001, true);
    expect((await client.getPhoneNumbers({ count: 20, offset: 0 })).numbers).toEqual([expect.objectContaining({ phone_id: 6000001, phone_number: "15555550200", application_id: 7000001 })]);
    await client.bindPhoneNumberToApplication(6000001, 7000001, false);
    const started = await client.startScenarios(8000001, JSON.stringify({ v: 1, kind: "outbound", sessionId: "sess_1", token: "t" }));
    expect(sim.session(started.call_session_history_id)?.customData).toContain("sess_1");
  });

  it("gets the simulator's authorisation error when its key is not the account's", async () => {
    await expect(clientWith(key.private_key, "key-unknown").getAccountInfo()).rejects.toMatchObject({ code: 100, retryable: false });
  });
});
