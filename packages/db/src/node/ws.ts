// `ws` loaded through require: under vitest's global setup of the workerd project, an ESM import
// resolves with browser conditions and yields ws's browser stub (measured).
import { createRequire } from "node:module";
import type * as WsModule from "ws";

const require = createRequire(import.meta.url);
export const ws = require("ws") as typeof WsModule;
