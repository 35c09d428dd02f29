/**
 * What a docs example says it prints: the comment lines after its `// Output:` line, or `null` when
 * it has none. Shared by the runners of README's and docs/' examples (Node, and Chromium).
 */
export function expectedOutput(code: string): string[] | null {
  const marker = code.indexOf("// Output:");
  if (marker < 0) return null;
  return code
    .slice(marker)
    .split("\n")
    .slice(1)
    .filter((l) => l.startsWith("//"))
    .map((l) => l.replace(/^\/\/ ?/, ""));
}
