import { FixedLatencyTTS } from "../../test/fake-providers.ts";
export class CartesiaTTS extends FixedLatencyTTS { constructor(_o: unknown) { super({ ttfbMs: 0 }); } }
