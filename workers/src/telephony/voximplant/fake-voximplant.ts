// An in-memory VoxImplant Management API for Worker tests (workerd cannot run the Node simulator):
// the same subset (GetAccountInfo, GetApplications, GetRules, GetPhoneNumbers,
// BindPhoneNumberToApplication, StartScenarios), bearer JWTs verified with the key's public key,
// errors as `{"error":{"msg","code"}}` with HTTP 200. Other hosts reach `passThrough`.
import { importSPKI, jwtVerify, decodeProtectedHeader } from "jose";
import { makeKeyFile, type TestKeyFile } from "./testing.ts";

export interface FakeVoxNumber {
  phoneId: number;
  phoneNumber: string;
  applicationId: number | null;
}

export interface FakeVoxAccount {
  key: TestKeyFile;
  applications: { applicationId: number; name: string; rules: number[] }[];
  numbers: FakeVoxNumber[];
  started: { ruleId: number; customData: string; historyId: number }[];
  /** Methods that answer with this error next (once each). */
  failNext: Map<string, { msg: string; code: number; status?: number }>;
}

let nextId = 7_000_001;

export class FakeVoximplant {
  readonly base: string;
  readonly accounts: FakeVoxAccount[] = [];
  readonly calls: { method: string; params: Record<string, string> }[] = [];
  readonly #passThrough: typeof fetch;

  constructor(base: string, passThrough: typeof fetch) {
    this.base = base.replace(/\/+$/, "");
    this.#passThrough = passThrough;
  }

  async addAccount(): Promise<FakeVoxAccount> {
    const appId = nextId++;
    const account: FakeVoxAccount = {
      key: await makeKeyFile(nextId++),
      applications: [{ applicationId: appId, name: `app${appId}`, rules: [nextId++] }],
      numbers: [
        { phoneId: nextId++, phoneNumber: `1555${String(nextId).slice(-7)}`, applicationId: null },
        { phoneId: nextId++, phoneNumber: `1555${String(nextId).slice(-7)}`, applicationId: 99 },
      ],
      started: [],
      failNext: new Map(),
    };
    this.accounts.push(account);
    return account;
  }

  fetch: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    if (!req.url.startsWith(`${this.base}/platform_api/`)) return this.#passThrough(input, init);
    const method = new URL(req.url).pathname.split("/")[2] ?? "";
    const params = Object.fromEntries(new URLSearchParams(await req.text()));
    this.calls.push({ method, params });
    const account = await this.#authorize(req.headers.get("authorization") ?? "");
    if (!account) return json({ error: { msg: "Authorization failed", code: 100 } });
    const failure = account.failNext.get(method);
    if (failure) {
      account.failNext.delete(method);
      return json({ error: { msg: failure.msg, code: failure.code } }, failure.status ?? 200);
    }
    const int = (k: string) => (params[k] !== undefined ? Number(params[k]) : null);
    switch (method) {
      case "GetAccountInfo":
        return json({ result: { account_id: account.key.account_id, account_name: "fake", active: true, frozen: false } });
      case "GetApplications": {
        const list = account.applications.filter((a) => int("application_id") === null || a.applicationId === int("application_id"));
        return json({ result: list.map((a) => ({ application_id: a.applicationId, application_name: a.name })), count: list.length, total_count: list.length });
      }
      case "GetRules": {
        const app = account.applications.find((a) => a.applicationId === int("application_id"));
        const rules = (app?.rules ?? []).filter((r) => int("rule_id") === null || r === int("rule_id"));
        return json({ result: rules.map((r) => ({ rule_id: r, rule_name: "speaknode", rule_pattern: ".*" })), count: rules.length, total_count: rules.length });
      }
      case "GetPhoneNumbers": {
        const all = account.numbers.filter((n) => int("phone_id") === null || n.phoneId === int("phone_id"));
        const offset = int("offset") ?? 0;
        const page = all.slice(offset, offset + (int("count") ?? 20));
        return json({ result: page.map((n) => ({ phone_id: n.phoneId, phone_number: n.phoneNumber, ...(n.applicationId ? { application_id: n.applicationId } : {}) })), count: page.length, total_count: all.length });
      }
      case "BindPhoneNumberToApplication": {
        const n = account.numbers.find((x) => x.phoneId === int("phone_id"));
        if (!n) return json({ error: { msg: "Phone number not found", code: 1 } });
        if (params["bind"] === "false") {
          if (n.applicationId === int("application_id")) n.applicationId = null;
        } else n.applicationId = int("application_id");
        return json({ result: 1 });
      }
      case "StartScenarios": {
        const historyId = nextId++;
        account.started.push({ ruleId: int("rule_id") ?? 0, customData: params["script_custom_data"] ?? "", historyId });
        return json({ result: 1, media_session_access_url: `http://media.fake/request/${historyId}`, media_session_access_secure_url: `https://media.fake/request/${historyId}`, call_session_history_id: historyId });
      }
      default:
        return json({ error: { msg: `Unknown method ${method}`, code: 2 } });
    }
  };

  async #authorize(header: string): Promise<FakeVoxAccount | null> {
    const token = header.replace(/^Bearer /, "");
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return null;
    }
    const account = this.accounts.find((a) => a.key.key_id === kid);
    if (!account) return null;
    try {
      const { payload } = await jwtVerify(token, await importSPKI(account.key.publicKeyPem, "RS256"));
      return (payload as { iss?: unknown }).iss === account.key.account_id ? account : null;
    } catch {
      return null;
    }
  }
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** The key file as a create body carries it. */
export const keyBody = (a: FakeVoxAccount) => ({ account_id: a.key.account_id, key_id: a.key.key_id, private_key: a.key.private_key });
