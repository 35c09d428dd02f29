/**
 * A house rule the tools do not check: every source file opens with a doc comment that explains
 * its concept (an automatic "remove unused import" once took a file's opening comment with it).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.(ts|mjs)$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

describe("source files", () => {
  it("each opens with a doc comment of at least one sentence", () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(100);
    const bare = files
      .filter((f) => !/^\/\*\*\n \* \S[\s\S]*?\*\//.test(readFileSync(f, "utf8")))
      .map((f) => relative(SRC, f));
    expect(bare).toEqual([]);
  });
});
