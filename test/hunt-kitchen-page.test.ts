import "../src/kitchen/node-host.js";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPage } from "../src/kitchen/page.js";
import { playScene } from "../src/kitchen/play.js";
import type { Recording } from "../src/kitchen/recording.js";
import { findScene } from "../src/kitchen/scenes/index.js";

/**
 * The timeline's player must not show the future: stepping through the order scene, a timer is
 * drawn only as far as the replay has got, a bell appears when it rings, a poll in progress is not
 * yet coloured with its result, and the future tree says what the polls so far said.
 */

let browser: Browser;
let page: Page;
let recording: Recording;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  const scene = findScene("order")!;
  const recordings = await playScene(scene, "paused");
  recording = recordings[0]!;
  page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.setContent(renderPage([{ scene, recordings }]));
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** Move the player to the step that ends with entry `seq` (every entry is a step of its own). */
async function stepTo(seq: number): Promise<void> {
  await page.evaluate((target) => {
    const sec = document.querySelector("section.take")!;
    const seqs = [
      ...new Set(
        Array.from(sec.querySelectorAll("[data-seq]"), (e) => +e.getAttribute("data-seq")!),
      ),
    ].sort((a, b) => a - b);
    const range = sec.querySelector("input[type=range]") as HTMLInputElement;
    range.value = String(seqs.indexOf(target) + 1);
    range.dispatchEvent(new Event("input"));
  }, seq);
}

/** Each timer as drawn now: its drawn width, its full width, whether its bell shows. */
function timers() {
  return page.$$eval("section.take g.timer", (gs) =>
    gs.map((g) => {
      const rect = g.querySelector("rect")!;
      const bell = g.querySelector(".bell");
      return {
        width: +rect.getAttribute("width")!,
        full: +rect.getAttribute("data-x2")! - +rect.getAttribute("data-x1")!,
        bell: bell !== null && getComputedStyle(bell).visibility === "visible",
      };
    }),
  );
}

function statuses() {
  return page.$$eval("section.take .tree-status", (els) => els.map((e) => e.textContent));
}

function seqOf(pred: (e: Recording["entries"][number]) => boolean): number {
  const e = recording.entries.find(pred);
  if (e === undefined) throw new Error("no such entry");
  return e.seq;
}

describe("the timeline player (order scene) shows only what has happened", () => {
  it("at the first bell (1 s), the 1 s timer has rung, the 3 s and 4 s timers are drawn only to 1 s, with no bell yet", async () => {
    const firstFire = seqOf((e) => e.type === "event" && e.event.kind === "timer-fire");
    await stepTo(firstFire);
    const ts = await timers();
    expect(ts).toHaveLength(3);
    const [t3, t4, t1] = ts; // registered in the order Appetizer (3 s), Main (4 s), Dessert (1 s)
    expect(t1).toMatchObject({ bell: true });
    expect(t1!.width).toBe(t1!.full);
    for (const t of [t3!, t4!]) {
      expect(t.bell).toBe(false);
      expect(t.width).toBeLessThan(t.full);
    }
  });

  it("the tree reads 'Pending · 1 poll' for every node before the second poll, not its final Ready", async () => {
    const secondPollStart = recording.entries.filter(
      (e) => e.type === "event" && e.event.kind === "poll-start",
    )[1]!.seq;
    await stepTo(secondPollStart);
    expect(await statuses()).toEqual([
      "Pending · 1 poll",
      "Pending · 1 poll",
      "Pending · 1 poll",
      "Pending · 1 poll",
    ]);
  });

  it("a poll bar whose poll has started but not ended is hollow, and gets its colour when it ends", async () => {
    const lastStart = recording.entries.filter(
      (e) => e.type === "event" && e.event.kind === "poll-start",
    );
    const start = lastStart.at(-1)!.seq;
    const end = seqOf((e) => e.type === "event" && e.event.kind === "poll-end" && e.seq > start);
    const lastBar = () =>
      page.$eval("section.take rect.poll:last-of-type", (r) => ({
        open: r.classList.contains("open"),
        fill: getComputedStyle(r).fill,
      }));
    await stepTo(start);
    const during = await lastBar();
    expect(during.open).toBe(true);
    await stepTo(end);
    const after = await lastBar();
    expect(after.open).toBe(false);
    expect(after.fill).not.toBe(during.fill);
  });

  it("at the last step everything is drawn whole, and the tree shows each future's final state", async () => {
    const last = recording.entries.at(-1)!.seq;
    await stepTo(last);
    for (const t of await timers()) {
      expect(t.bell).toBe(true);
      expect(t.width).toBe(t.full);
    }
    expect(await statuses()).toEqual([
      "Ready at 4 s · 4 polls",
      "Ready at 3 s · 3 polls",
      "Ready at 4 s · 4 polls",
      "Ready at 1 s · 2 polls",
    ]);
  });
});

describe("the timeline player's hover texts while stepping (order scene)", () => {
  it("at the step where the first timer is registered, hovering it does not say it fired yet", async () => {
    const reg = recording.entries.find(
      (e) => e.type === "event" && e.event.kind === "timer-register",
    )!;
    await stepTo(reg.seq);
    const hover = await page.$eval(
      `section.take g.timer[data-seq="${reg.seq}"]`,
      (g) => `${g.getAttribute("data-info")} | ${g.querySelector("title")?.textContent}`,
    );
    expect(hover).not.toMatch(/fired|cancelled/);
    expect(hover).toMatch(/set, not rung yet/);
  });

  it("at the step where the last poll has started, hovering its (hollow) bar does not tell its result", async () => {
    const start = recording.entries
      .filter((e) => e.type === "event" && e.event.kind === "poll-start")
      .at(-1)!;
    await stepTo(start.seq);
    const hover = await page.$eval(
      `section.take rect.poll[data-seq="${start.seq}"]`,
      (r) => `${r.classList.contains("open")} | ${r.getAttribute("data-info")}`,
    );
    expect(hover.startsWith("true")).toBe(true); // the bar is drawn as still running
    expect(hover).not.toMatch(/Ready|Pending/);
    expect(hover).toMatch(/still running/);
  });

  it("at the last step every hover text says how it ended", async () => {
    await page.evaluate(() => {
      const sec = document.querySelector("section.take")!;
      const range = sec.querySelector("input[type=range]") as HTMLInputElement;
      range.value = range.max;
      range.dispatchEvent(new Event("input"));
    });
    const infos = await page.$$eval("section.take g.timer", (gs) =>
      gs.map((g) => g.getAttribute("data-info")),
    );
    expect(infos.length).toBeGreaterThan(0);
    expect(infos.every((t) => /\((fired|cancelled|open)\)$/.test(t ?? ""))).toBe(true);
  });
});
