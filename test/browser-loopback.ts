/**
 * What test/browser-core.test.ts serves its Chromium page: the core bundled for the browser
 * (`src/index.ts`, exactly as a user's bundler would see it), the programs and the docs' examples
 * bundled against it, the page's host ledger, and a loopback HTTP server to fetch them from (with
 * a `/slow` URL that never answers, to watch a fetch being aborted). The kitchen's delivery van:
 * everything the kitchen in the other building needs, and nothing of Node's.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { expectedOutput } from "./doc-output.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The core's browser bundle, and what esbuild says went into it. */
export interface CoreBundle {
  text: string;
  /** Imports the bundle leaves to the host: none may remain. */
  external: string[];
  /** The source files that went in. */
  inputs: string[];
}

/** `src/index.ts` for the browser, comments and whitespace left out so only code is checked. */
export async function bundleCore(): Promise<CoreBundle> {
  const result = await build({
    entryPoints: [`${ROOT}src/index.ts`],
    bundle: true,
    platform: "browser",
    format: "esm",
    minifyWhitespace: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const [out] = Object.values(result.metafile.outputs);
  return {
    text: result.outputFiles[0]!.text,
    external: out!.imports.map((i) => i.path),
    inputs: Object.keys(result.metafile.inputs),
  };
}

/**
 * Imports of the core (`"brigade"` in the docs, `../src/index.js` in the programs) are left to the
 * page, which loads the core bundle from `/brigade.js`: what runs is the bundle that was checked.
 */
const coreIsServed: Plugin = {
  name: "core-is-served",
  setup(b) {
    b.onResolve({ filter: /^brigade$|\/src\/index\.js$/ }, () => ({
      path: "/brigade.js",
      external: true,
    }));
  },
};

/** The programs, importing the core bundle the page already serves rather than bundling it again. */
export async function bundlePrograms(): Promise<string> {
  const result = await build({
    entryPoints: [`${ROOT}test/browser-programs.ts`],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    plugins: [coreIsServed],
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** The Web Worker that runs the core's programs off the main thread, as an ES module. */
export async function bundleWorker(): Promise<string> {
  const result = await build({
    entryPoints: [`${ROOT}test/browser-worker.ts`],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    plugins: [coreIsServed],
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** The page's host ledger, as a classic script that runs before anything else in the page. */
export async function bundleLedger(): Promise<string> {
  const result = await build({
    entryPoints: [`${ROOT}test/browser-host.ts`],
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** A ```ts example of README or docs/ that needs nothing of Node's, with the output it promises. */
export interface DocExample {
  /** `docs/time.md #1`: the file and the example's place among its ```ts blocks. */
  name: string;
  code: string;
  /** The lines after its `// Output:` marker, or null when it promises none. */
  expected: string[] | null;
}

/** Code that needs Node: `brigade/node`, a Node built-in, `process` or `Buffer`. */
const NEEDS_NODE = /brigade\/node|node:|\bprocess\.|\bBuffer\b|require\(/;

/**
 * README's and docs/' examples that use only the core, read as test/docs-examples.test.ts reads
 * them (```ts blocks; `skip-run` ones are fragments).
 */
export function coreExamples(): DocExample[] {
  const files = [
    "README.md",
    ...readdirSync(`${ROOT}docs`)
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  const found: DocExample[] = [];
  for (const file of files) {
    const text = readFileSync(`${ROOT}${file}`, "utf8");
    const fence = /^```ts( skip-run)?\n([\s\S]*?)^```$/gm;
    let index = 0;
    for (const m of text.matchAll(fence)) {
      index++;
      const code = m[2]!;
      if (m[1] !== undefined || NEEDS_NODE.test(code)) continue;
      const expected = expectedOutput(code);
      found.push({ name: `${file} #${index}`, code, expected });
    }
  }
  return found;
}

/**
 * Each example as an ES module importing the served core. `keepNames`: the examples print await
 * chains made of their generator functions' names, and esbuild otherwise renames a function
 * expression named like the constant it is assigned to (`waitForOrder` becomes `waitForOrder2`).
 */
export async function bundleExamples(examples: DocExample[]): Promise<string[]> {
  return Promise.all(
    examples.map(async (ex) => {
      const result = await build({
        stdin: { contents: ex.code, resolveDir: ROOT, loader: "ts", sourcefile: ex.name },
        bundle: true,
        platform: "browser",
        format: "esm",
        keepNames: true,
        write: false,
        plugins: [coreIsServed],
        logLevel: "silent",
      });
      return result.outputFiles[0]!.text;
    }),
  );
}

/** The loopback server: the page, the bundles, and `/slow`, which never answers. */
export interface Loopback {
  server: Server;
  origin: string;
  /** Requests to `/slow` so far, and how many of them the client gave up on. */
  slow: { requests: number; aborted: number };
}

export function serve(files: Record<string, string>): Promise<Loopback> {
  const slow = { requests: 0, aborted: 0 };
  const server = createServer((req, res) => {
    if (req.url === "/slow") {
      slow.requests++;
      // Headers at once, the body never: the fetch reads until the page aborts it.
      res.writeHead(200, { "content-type": "text/plain" });
      res.flushHeaders();
      res.on("close", () => {
        if (!res.writableEnded) slow.aborted++;
      });
      return;
    }
    const body = files[req.url ?? ""];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const type = req.url!.endsWith(".js") ? "text/javascript" : "text/html";
    res.writeHead(200, { "content-type": type }).end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, origin: `http://127.0.0.1:${port}`, slow });
    });
  });
}
