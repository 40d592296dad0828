// `npm run api:types`: regenerates packages/api-client/src/schema.d.ts from the served OpenAPI
// document. Run it after changing a route's schema; scripts/api-types.test.ts fails until you do.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { schemaTypes, schemaTypesPath, servedDocument } from "./openapi-document.ts";

const types = await schemaTypes(await servedDocument());
writeFileSync(schemaTypesPath, types);
console.log(`wrote ${fileURLToPath(schemaTypesPath)} (${types.split("\n").length} lines)`);
