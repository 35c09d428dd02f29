/**
 * The docs' examples that need a real browser (fenced ```ts browser: animation frames, `window`,
 * `MouseEvent`), which neither Node nor the shared docs runners can run: each is bundled against
 * the core's browser bundle and run in headless Chromium, on the same page and loopback server as
 * test/browser-core.test.ts, and must print exactly its `// Output:` lines and leave nothing
 * scheduled on the page. A dish that only the other building's oven can cook is tasted there.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostLedger } from "./browser-host.js";
import {
  bundleCore,
  bundleExamples,
  bundleLedger,
  bundlePrograms,
  type DocExample,
  type Loopback,
  serve,
} from "./browser-loopback.js";
import { expectedOutput } from "./doc-output.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** README's and docs/' ```ts browser blocks, with the lines each promises to print. */
function browserExamples(): DocExample[] {
  const files = [
    "README.md",
    ...readdirSync(join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  const found: DocExample[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), "utf8");
    let index = 0;
    for (const m of text.matchAll(/^```ts( browser| skip-run)?\n([\s\S]*?)^```$/gm)) {
      index++;
      if (m[1] !== " browser") continue;
      const code = m[2]!;
      const expected = expectedOutput(code);
      found.push({ name: `${file} #${index}`, code, expected });
    }
  }
  return found;
}

const EXAMPLES = browserExamples();

let loopback: Loopback;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  const [core, programs, ledger, texts] = await Promise.all([
    bundleCore(),
    bundlePrograms(),
    bundleLedger(),
    bundleExamples(EXAMPLES),
  ]);
  loopback = await serve({
    "/": "<!doctype html><meta charset=utf-8><title>Brigade's browser recipes</title>",
    "/brigade.js": core.text,
    "/programs.js": programs,
    "/favicon.ico": "", // the page asks for one: a 404 would be a console error
    ...Object.fromEntries(texts.map((text, i) => [`/examples/${i}.js`, text])),
  });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.addInitScript({ content: ledger });
  await page.goto(`${loopback.origin}/`);
  await page.addScriptTag({ type: "module", url: "/programs.js" });
  await page.waitForFunction(() => "brigadePrograms" in globalThis);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => loopback?.server.close(resolve));
});

describe("docs' browser-only examples, run in Chromium", () => {
  it("there are such examples (docs/browser.md's animation frame), and each promises its output", () => {
    expect(EXAMPLES.map((ex) => ex.name)).toContain("docs/browser.md #9");
    expect(EXAMPLES.filter((ex) => ex.expected === null).map((ex) => ex.name)).toEqual([]);
  });

  EXAMPLES.forEach((ex, i) => {
    it(`${ex.name} prints what it says, then leaves nothing scheduled and nothing on the console`, async () => {
      const printed = await page.evaluate(
        (url) =>
          (
            globalThis as unknown as {
              brigadePrograms: { docExample(url: string): Promise<string[]> };
            }
          ).brigadePrograms.docExample(url),
        `/examples/${i}.js`,
      );
      expect(printed).toEqual(ex.expected);
      const after = await page.evaluate(() =>
        (globalThis as unknown as { hostLedger: HostLedger }).hostLedger.quietFor(30),
      );
      expect(after.during).toEqual({ posts: 0, delivered: 0, timersArmed: 0, pendingTimers: 0 });
      expect(consoleErrors).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  });
});
