/**
 * The published types keep the documentation of the functions hung on other functions
 * (`select.biased`, `selectAll.biased`, `race.biased`, `race.named`): an assignment's comment is
 * not carried into a declaration file, so an editor showed `race.named` (tokio's `select!`, and
 * where a branch given as `undefined` is explained) with no text at all.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");

/** The declaration file TypeScript emits for `src/combinator/select.ts`. */
function selectDeclarations(): string {
  const program = ts.createProgram([join(root, "src/combinator/select.ts")], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    declaration: true,
    emitDeclarationOnly: true,
    stripInternal: true,
    skipLibCheck: true,
    types: [],
  });
  let text = "";
  program.emit(undefined, (name, data) => {
    if (name.endsWith("select.d.ts")) text = data;
  });
  return text;
}

/** The comment just above `member` inside `declare namespace owner { … }`. */
function docOf(declarations: string, owner: string, member: string): string {
  const ns = new RegExp(`declare namespace ${owner} \\{([\\s\\S]*?)\\n\\}`, "g");
  for (const m of declarations.matchAll(ns)) {
    const body = m[1]!;
    const at = body.search(new RegExp(`\\b(let|var|const) ${member}\\b`));
    if (at < 0) continue;
    const before = body.slice(0, at);
    const open = before.lastIndexOf("/**");
    return open < 0 ? "" : before.slice(open);
  }
  return "";
}

describe("documentation in the declaration files", () => {
  const declarations = selectDeclarations();
  it.each([
    ["select", "biased", "select.biased("],
    ["selectAll", "biased", "selectAll.biased("],
    ["race", "biased", "race.biased("],
    ["race", "named", "race.named({"],
  ])("%s.%s keeps its comment and example", (owner, member, example) => {
    const doc = docOf(declarations, owner, member);
    expect(doc).toContain("@example");
    expect(doc).toContain(example);
  });

  it("race.named's comment says what a branch given as undefined does", () => {
    expect(docOf(declarations, "race", "named")).toMatch(/given as `undefined` is left out/);
  });
});
