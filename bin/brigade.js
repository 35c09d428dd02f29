#!/usr/bin/env node
// The `brigade` command. A published package runs the compiled CLI in dist/; a clone of the
// repository without a build runs the TypeScript source through tsx (a dev dependency).
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
