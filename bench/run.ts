/**
 * `npm run bench`: runs every benchmark file in bench/ (or those named on the command line, e.g.
 * `npm run bench -- core time`), each workload side by side with its baselines.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { allResults } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
for (const f of files) {
  console.log(`\n# ${f}`);
  const mod = (await import(join(here, f))) as { main?: () => Promise<void> };
  if (typeof mod.main !== "function") throw new Error(`${f} must export main()`);
  await mod.main();
}
if (process.env.BENCH_JSON) console.log(JSON.stringify(allResults(), null, 2));
