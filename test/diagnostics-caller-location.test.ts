/**
 * Spawn locations (probe.ts `callerLocation`) read from the stack formats of every engine: V8's
 * "at fn (url:line:col)" with an "Error" line first, and Firefox's and Safari's "fn@url:line:col"
 * with frames only. In a bundle, Brigade's frames are the file of `callerLocation`'s own frame,
 * and are skipped.
 */
import { afterEach, expect, it } from "vitest";
import { callerLocation } from "../src/runtime/probe.js";

const original = (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
afterEach(() => {
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = original;
});

function withStack(stack: string): string | null {
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = () => stack;
  try {
    return callerLocation();
  } finally {
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = original;
  }
}

it("a Chromium-style bundled stack: Brigade's frames (the same file) are skipped", () => {
  const got = withStack(
    [
      "Error",
      "    at callerLocation (http://h/brigade.js:10:5)",
      "    at spawnTask (http://h/brigade.js:20:5)",
      "    at spawn (http://h/brigade.js:25:5)",
      "    at main (http://h/app.js:30:5)",
    ].join("\n"),
  );
  expect(got).toBe("http://h/app.js:30:5");
});

it("the same stack in Firefox/Safari format gives the app's frame too, not Brigade's spawnTask", () => {
  const got = withStack(
    [
      "callerLocation@http://h/brigade.js:10:5",
      "spawnTask@http://h/brigade.js:20:5",
      "spawn@http://h/brigade.js:25:5",
      "main@http://h/app.js:30:5",
    ].join("\n"),
  );
  expect(got).toBe("http://h/app.js:30:5");
});

it("an @ inside the URL, after its scheme, is part of the file", () => {
  const got = withStack(
    ["callerLocation@http://h/brigade.js:10:5", "main@http://h/@scope/app.js:30:5"].join("\n"),
  );
  expect(got).toBe("http://h/@scope/app.js:30:5");
});
