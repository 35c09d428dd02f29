/**
 * README's and docs/' examples are programs: each ```ts block is run as it is written (with
 * `from "brigade"` and `"brigade/node"` pointing at this checkout's source), so an example that stops working fails
 * here. A block that ends with `// Output:` followed by comment lines must print exactly those
 * lines. Blocks fenced as ```ts skip-run are fragments and are only read.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { expectedOutput } from "./doc-output.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "test-artifacts", "docs-examples");

interface Example {
  file: string;
  index: number;
  code: string;
  expected: string[] | null;
}

function examples(file: string): Example[] {
  const text = readFileSync(join(root, file), "utf8");
  const found: Example[] = [];
  const fence = /^```ts( skip-run)?\n([\s\S]*?)^```$/gm;
  let m: RegExpExecArray | null;
  let index = 0;
  while ((m = fence.exec(text)) !== null) {
    index++;
    if (m[1] !== undefined) continue;
    const code = m[2]!;
    const expected = expectedOutput(code);
    found.push({ file, index, code, expected });
  }
  return found;
}

const files = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const all = files.flatMap(examples);

describe("documentation examples", () => {
  test("there are examples to run", () => {
    expect(all.length).toBeGreaterThan(2);
  });

  for (const ex of all) {
    test(`${ex.file} example ${ex.index} runs${ex.expected ? " and prints what it says" : ""}`, () => {
      mkdirSync(out, { recursive: true });
      const path = join(out, `${ex.file.replace(/[/.]/g, "_")}-${ex.index}.ts`);
      const source = ex.code
        .replaceAll(`from "brigade/node"`, `from ${JSON.stringify(join(root, "src/node.ts"))}`)
        .replaceAll(`from "brigade"`, `from ${JSON.stringify(join(root, "src/index.ts"))}`);
      writeFileSync(path, source);
      const stdout = execFileSync(process.execPath, ["--import", "tsx", path], {
        cwd: root,
        encoding: "utf8",
        timeout: 30_000,
      });
      if (ex.expected !== null) expect(stdout.trimEnd().split("\n")).toEqual(ex.expected);
    });
  }
});
