// `node widget/build.ts`: builds widget/dist, prints the gzipped sizes and fails when the loader
// or the widget bundle is over its budget.
import { bundleBudgetGzipBytes, buildWidget, loaderBudgetGzipBytes } from "./build-lib.ts";

const result = await buildWidget();
for (const file of result.files) {
  console.log(`${file.name.padEnd(28)} ${String(file.bytes).padStart(8)} B  ${String(file.gzipBytes).padStart(7)} B gzipped`);
}
const over: string[] = [];
if (result.loaderGzipBytes > loaderBudgetGzipBytes) over.push(`loader ${result.loaderGzipBytes} B > ${loaderBudgetGzipBytes} B gzipped`);
if (result.bundleGzipBytes > bundleBudgetGzipBytes) over.push(`widget ${result.bundleGzipBytes} B > ${bundleBudgetGzipBytes} B gzipped`);
if (over.length > 0) {
  console.error(`widget over budget: ${over.join("; ")}`);
  process.exit(1);
}
console.log(`within budget (loader ≤ ${loaderBudgetGzipBytes} B, widget ≤ ${bundleBudgetGzipBytes} B gzipped)`);
