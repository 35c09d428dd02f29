import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPage } from "../src/kitchen/page.js";
import { playScene } from "../src/kitchen/play.js";
import { eventsOf, type Recording, tasksOf } from "../src/kitchen/recording.js";
import type { PlayedScene } from "../src/kitchen/scene.js";
import { findScene, SCENES } from "../src/kitchen/scenes/index.js";
import { type KitchenServer, serveKitchen } from "../src/kitchen/server.js";

const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url));

let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** What the page must draw for one recording, counted from its events. */
function expected(r: Recording) {
  const events = eventsOf(r);
  return {
    lanes: tasksOf(r).length,
    polls: events.filter((e) => e.kind === "poll-start").length,
    wakes: events.filter((e) => e.kind === "wake").length,
    timers: events.filter((e) => e.kind === "timer-register").length,
  };
}

/** What the page drew in its `index`th take section. */
function drawn(page: Page, index: number) {
  return page.evaluate((i) => {
    const sec = document.querySelectorAll("section.take")[i]!;
    const visible = (sel: string) =>
      Array.from(sec.querySelectorAll(sel)).filter((el) => !el.classList.contains("later")).length;
    return {
      lanes: sec.querySelectorAll("svg .lane.task").length,
      polls: visible("svg rect.poll"),
      wakes: visible("svg path.wake"),
      timers: visible("svg g.timer"),
    };
  }, index);
}

describe("the timeline page's marks", () => {
  it("a task that ended cancelled or panicked is marked ✗, a finished one ✔", async () => {
    const scene = findScene("lock")!;
    const recordings = await playScene(scene, "paused");
    const html = renderPage([{ scene, recordings }]);
    const outcomes = recordings
      .flatMap((r) => eventsOf(r))
      .flatMap((e) => (e.kind === "complete" ? [e.outcome] : []));
    const marks = [...html.matchAll(/<text class="mark complete"[^>]*>(✔|✗)</g)].map((m) => m[1]);
    expect(outcomes).toContain("cancelled"); // the deadlocked take's chefs are torn down
    expect(marks).toEqual(outcomes.map((o) => (o === "ok" ? "✔" : "✗")));
  });
});

describe("the timeline page (--html) in headless Chromium", () => {
  it("draws one lane per task and one bar per poll for every take of the tour, and explains a bar on hover", async () => {
    const played: PlayedScene[] = [];
    for (const scene of SCENES)
      played.push({ scene, recordings: await playScene(scene, "paused") });
    const file = `${ARTIFACTS}kitchen-timeline.html`;
    writeFileSync(file, renderPage(played));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on("request", (req) => requests.push(req.url()));
    await page.goto(pathToFileURL(file).href);
    const recordings = played.flatMap((p) => p.recordings);
    expect(await page.locator("section.take").count()).toBe(recordings.length);
    for (let i = 0; i < recordings.length; i++) {
      const want = expected(recordings[i]!);
      expect(want.polls).toBeGreaterThan(0);
      expect(await drawn(page, i)).toEqual(want);
    }
    // The page is self-contained: the only request is the file itself.
    expect(requests).toEqual([pathToFileURL(file).href]);
    const firstPoll = page.locator("section.take").first().locator("rect.poll").first();
    await firstPoll.hover();
    await expect.poll(() => page.locator("#tip").isVisible()).toBe(true);
    expect(await page.locator("#tip").textContent()).toMatch(/^the manager polls 'main'/);
    await page.screenshot({ path: `${ARTIFACTS}kitchen-timeline.png`, fullPage: true });
    await page.close();
  });

  it("lane backgrounds run to the panel's edge: a short take fills a wide panel, a long one scrolls", async () => {
    const scenes = [findScene("select")!, findScene("spawn")!];
    const played: PlayedScene[] = [];
    for (const scene of scenes)
      played.push({ scene, recordings: await playScene(scene, "paused") });
    const file = `${ARTIFACTS}kitchen-lanes.html`;
    writeFileSync(file, renderPage(played));
    for (const width of [1400, 420]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(pathToFileURL(file).href);
      const takes = await page.evaluate(() =>
        Array.from(document.querySelectorAll("section.take")).map((sec) => {
          const panel = sec.querySelector(".scroll")!;
          const lanes = Array.from(sec.querySelectorAll(".lane-bg"));
          const svg = sec.querySelector("svg")!;
          return {
            panel: panel.clientWidth,
            scroll: panel.scrollWidth,
            drawn:
              Math.max(
                ...Array.from(
                  svg.querySelectorAll("rect.poll"),
                  (r) => r.getBoundingClientRect().right,
                ),
              ) - svg.getBoundingClientRect().left,
            lanes: lanes.map((r) => Math.round(r.getBoundingClientRect().width)),
          };
        }),
      );
      expect(takes.length).toBeGreaterThan(1);
      for (const t of takes) {
        // Every lane is as wide as what the panel shows or scrolls over, and every bar is inside it.
        for (const w of t.lanes) expect(w).toBe(t.scroll);
        expect(t.scroll).toBeGreaterThanOrEqual(t.panel);
        expect(t.drawn).toBeLessThanOrEqual(t.scroll);
      }
      // The wide window has room to spare; the narrow one scrolls at least one take.
      if (width === 1400) expect(takes.every((t) => t.scroll === t.panel)).toBe(true);
      else expect(takes.some((t) => t.scroll > t.panel)).toBe(true);
      await page.close();
    }
  });

  it("replays a take step by step: reset hides every bar, each step reveals the next entries in order", async () => {
    const scene = findScene("spawn")!;
    const [r] = await playScene(scene, "paused");
    const page = await browser.newPage();
    await page.setContent(renderPage([{ scene, recordings: [r!] }]));
    const sec = page.locator("section.take");
    await sec.locator("[data-act=reset]").click();
    expect(await drawn(page, 0)).toMatchObject({ polls: 0, wakes: 0 });
    // Step until the first poll appears: the steps before it are the spawn of main.
    const pollStarts = r!.entries.filter(
      (e) => e.type === "event" && e.event.kind === "poll-start",
    );
    const stepsToFirstPoll = new Set(
      [
        ...(await page.$$eval("section.take [data-seq]", (els) =>
          els.map((e) => +e.getAttribute("data-seq")!),
        )),
      ].filter((s) => s <= pollStarts[0]!.seq),
    ).size;
    for (let i = 0; i < stepsToFirstPoll; i++) await sec.locator("[data-act=step]").click();
    expect((await drawn(page, 0)).polls).toBe(1);
    expect(await sec.locator("li.line.now").first().textContent()).toMatch(
      /the manager polls 'main'/,
    );
    await page.close();
  });
});

describe("the served page (--serve) in headless Chromium", () => {
  let server: KitchenServer;
  beforeAll(async () => {
    server = await serveKitchen({ port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("listens on 127.0.0.1 only and lists every scene", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await browser.newPage();
    await page.goto(server.url);
    expect(await page.locator("a.scene").count()).toBe(SCENES.length);
    await page.close();
  });

  it("a picked scene plays from empty, step by step, until every poll of its run is drawn", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(server.url);
    await page.locator('a.scene[data-scene="join"]').click();
    await page.waitForURL(/\/scene\/join$/);
    const sec = page.locator("section.take");
    const total = Number(await sec.locator("input[type=range]").getAttribute("max"));
    const step = async () => Number(await sec.getAttribute("data-step"));
    // Autoplay starts from an empty timeline and moves forward by itself.
    await expect.poll(step, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(await step()).toBeLessThan(total);
    await expect.poll(step, { timeout: 15_000 }).toBe(total);
    const res = await page.request.get(`${server.url}scene/join.json`);
    const [r] = (await res.json()) as Recording[];
    expect(await drawn(page, 0)).toEqual(expected(r!));
    await page.screenshot({ path: `${ARTIFACTS}kitchen-served.png`, fullPage: true });
    await page.close();
  });

  it("an unknown scene is a 404, not a crash", async () => {
    const res = await fetch(`${server.url}scene/souffle`);
    expect(res.status).toBe(404);
    expect((await fetch(server.url)).status).toBe(200);
  });
});
