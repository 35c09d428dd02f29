/**
 * examples/crawler.ts against a local `node:http` site of a few dozen linked pages (some slow, one
 * that fails twice then answers, one that always fails, one that never answers, one whose body
 * streams for ever): every reachable page is fetched once, 5xx answers are retried after their
 * backoff, the hung page times out, the endless body is cut at the cap, and whichever way the crawl
 * stops (done, deadline, stop future, Ctrl-C in the program), the site is left with no request open
 * and the runtime with no task, timer, bridge or waiter.
 *
 * A paused clock stands still while a `fetch` is in flight (docs/time.md), so it cannot let a
 * request to the hung page time out: those tests run on the real clock, with delays of tens of ms
 * and no assertion on elapsed time. The backoff and deadline arithmetic is checked on the paused
 * clock, against pages that all answer.
 */
import { spawn as spawnProcess } from "node:child_process";
import { createServer, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type CrawlSummary, crawl, linksIn } from "../examples/crawler.js";
import {
  asyncBlock,
  type ClockKind,
  fromPromise,
  Instant,
  Runtime,
  type RuntimeWarning,
  run,
} from "../src/index.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHAIN = 24; // /n/0 … /n/23, each linking to the next two

/** The site's pages: their links, and what each does besides answering 200. */
const LINKS: Record<string, string[]> = {
  "/": [
    "/a",
    "/b",
    "/flaky",
    "/broken",
    "/hang",
    "/huge",
    "/missing",
    "/n/0",
    "/a#top",
    "http://elsewhere.invalid/",
  ],
  "/a": ["/c", "/d", "/"],
  "/b": ["/d", "/slow1"],
  "/c": ["/f"],
  "/d": ["/a"],
  "/f": ["/"],
  "/slow1": ["/slow2"],
  "/slow2": ["/"],
  "/flaky": ["/i"], // 500, 500, then this page
  "/i": [],
  "/huge": ["/j"], // its links come first, then filler for ever
  "/j": ["/"],
  "/retry": ["/flaky", "/broken"], // the start of the paused-clock crawls
};
for (let i = 0; i < CHAIN; i++)
  LINKS[`/n/${i}`] = [`/n/${(i + 1) % CHAIN}`, `/n/${(i + 2) % CHAIN}`];

const html = (links: string[]) =>
  `<html><body>${links.map((l) => `<a href="${l}">${l}</a>`).join(" ")}</body></html>`;

/** The site, counting each path's requests and the responses still open. */
class Site {
  readonly hits = new Map<string, number>();
  open = 0;
  maxOpen = 0;
  /** Paths whose response is open now. */
  readonly openPaths = new Set<string>();
  url = "";
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((req, res) => this.answer(req.url ?? "/", res));

  async start(): Promise<this> {
    this.server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  private answer(path: string, res: ServerResponse): void {
    const n = (this.hits.get(path) ?? 0) + 1;
    this.hits.set(path, n);
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    this.openPaths.add(path);
    res.on("close", () => {
      this.open--;
      this.openPaths.delete(path);
    });
    const page = LINKS[path];
    if (path === "/hang") return; // never answers
    if (path === "/broken" || (path === "/flaky" && n <= 2)) {
      res.writeHead(500).end("the oven is off");
    } else if (path === "/huge") {
      res.writeHead(200, { "content-type": "text/html" });
      res.write(html(page!));
      const filler = Buffer.alloc(16 * 1024, 120);
      const t = setInterval(() => res.write(filler), 5); // ends only when the client hangs up
      res.on("close", () => clearInterval(t));
    } else if (page === undefined) {
      res.writeHead(404).end("no such page");
    } else if (path.startsWith("/slow")) {
      const t = setTimeout(() => res.writeHead(200).end(html(page)), 30);
      res.on("close", () => clearTimeout(t));
    } else {
      res.writeHead(200, { "content-type": "text/html" }).end(html(page));
    }
  }

  /** A promise that settles once every path of `paths` has a response open. */
  async whenOpen(...paths: string[]): Promise<void> {
    while (!paths.every((p) => this.openPaths.has(p))) await realSleep(2);
  }

  /** Wait (up to 5 s of real time) for the last open response to close; how many are left. */
  async settled(): Promise<number> {
    for (let i = 0; i < 1000 && this.open > 0; i++) await realSleep(5);
    return this.open;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const realSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pages a crawl from `start` reaches: a failed page's links are never seen. */
function reachable(start: string): string[] {
  const seen = new Set([start]);
  const queue = [start];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    if (path === "/broken" || path === "/hang") continue;
    for (const link of LINKS[path] ?? []) {
      const p = new URL(link, "http://x").pathname;
      if (!link.startsWith("http") && !seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
    }
  }
  return [...seen].sort();
}

/** What the runtime still holds: all zero once a crawl has returned. */
function leftovers(rt: Runtime) {
  const { liveTasks, liveTimers, pendingBridges, liveWaiters, ioWaits } = rt.metrics();
  return { liveTasks, liveTimers, pendingBridges, liveWaiters, ioWaits };
}
const NOTHING = { liveTasks: 0, liveTimers: 0, pendingBridges: 0, liveWaiters: 0, ioWaits: 0 };

const paths = (s: CrawlSummary) => [...s.pages.keys()].map((u) => new URL(u).pathname).sort();

let site: Site;
let rt: Runtime | undefined;
let warnings: RuntimeWarning[] = [];

/** A runtime whose warnings are kept: a lost waker or a held clock would be a bug in the crawler. */
function runtime(clock: ClockKind = "real"): Runtime {
  warnings = [];
  rt = new Runtime({ clock, onWarning: (w) => warnings.push(w) });
  return rt;
}

afterEach(async () => {
  // A long poll is the first fetch loading Node's HTTP client, not the crawler's doing.
  expect(warnings.filter((w) => w.kind !== "long-poll")).toEqual([]);
  await rt?.shutdown();
  rt = undefined;
  await site.close();
});

describe("examples/crawler.ts", () => {
  it("fetches every reachable page once, retries the 5xx, times the hung page out and cuts the endless body at the cap", async () => {
    site = await new Site().start();
    rt = runtime();
    const summary = await rt.spawn(
      crawl(`${site.url}/`, {
        concurrency: 4,
        requestTimeout: 1000,
        bodyCap: 64 * 1024,
        backoff: 10,
      }),
    );
    expect(leftovers(rt)).toEqual(NOTHING);
    expect(summary.stoppedBy).toBe("done");
    expect(paths(summary)).toEqual(reachable("/"));
    expect([...site.hits.keys()].sort()).toEqual(reachable("/")); // nothing else was asked for
    for (const path of reachable("/")) {
      expect([path, site.hits.get(path)]).toEqual([
        path,
        path === "/flaky" || path === "/broken" ? 3 : 1,
      ]);
    }
    const outcome = (path: string) => summary.pages.get(`${site.url}${path}`);
    expect([outcome("/flaky"), outcome("/broken"), outcome("/missing")]).toEqual([
      "ok",
      "error",
      "error",
    ]);
    expect([outcome("/hang"), outcome("/huge"), outcome("/j")]).toEqual([
      "timeout",
      "truncated",
      "ok",
    ]);
    expect(summary.retries).toBe(4); // two for /flaky, two for /broken
    expect(summary.timeouts).toBe(1);
    expect(summary.truncated).toBe(1);
    expect(summary.errors).toBe(2);
    expect(summary.ok).toBe(reachable("/").length - 4);
    expect(site.maxOpen).toBeLessThanOrEqual(4);
    // /huge never ends by itself, and /hang never answers: both were closed by the crawler.
    expect(await site.settled()).toBe(0);
  });

  it("the deadline passes with the hung page and the endless body in flight: both are closed", async () => {
    site = await new Site().start();
    rt = runtime();
    const summary = await rt.spawn(
      crawl(`${site.url}/`, { requestTimeout: 60_000, bodyCap: 1 << 30, deadline: 1000 }),
    );
    expect(leftovers(rt)).toEqual(NOTHING);
    expect(summary.stoppedBy).toBe("deadline");
    expect([site.hits.get("/hang"), site.hits.get("/huge")]).toEqual([1, 1]);
    expect(summary.pages.has(`${site.url}/hang`)).toBe(false);
    expect(summary.pages.has(`${site.url}/huge`)).toBe(false);
    expect(await site.settled()).toBe(0);
  });

  it("the stop future ends once the hung page and the endless body are open: both are closed", async () => {
    site = await new Site().start();
    rt = runtime();
    const bothOpen = site.whenOpen("/hang", "/huge");
    const summary = await rt.spawn(
      crawl(`${site.url}/`, {
        requestTimeout: 60_000,
        bodyCap: 1 << 30,
        stop: fromPromise(() => bothOpen),
      }),
    );
    expect(leftovers(rt)).toEqual(NOTHING);
    expect(summary.stoppedBy).toBe("stop");
    expect(summary.pages.has(`${site.url}/hang`)).toBe(false);
    expect(summary.pages.has(`${site.url}/huge`)).toBe(false);
    expect(await site.settled()).toBe(0);
  });

  it("under the paused clock, a 5xx is retried after 100 then 200 ms: the crawl takes 300 ms", async () => {
    site = await new Site().start();
    rt = runtime("paused");
    const [summary, elapsed] = await rt.spawn(
      asyncBlock(function* () {
        const start = Instant.now();
        const summary = yield* crawl(`${site.url}/retry`);
        return [summary, start.elapsed()] as const;
      }),
    );
    expect(leftovers(rt)).toEqual(NOTHING);
    expect(elapsed).toBe(300);
    expect(paths(summary)).toEqual(["/broken", "/flaky", "/i", "/retry"]);
    expect([site.hits.get("/flaky"), site.hits.get("/broken"), summary.retries]).toEqual([3, 3, 4]);
  });

  it("under the paused clock, a deadline at 250 ms stops the second backoff: no third attempt is made", async () => {
    site = await new Site().start();
    rt = runtime("paused");
    const [summary, elapsed] = await rt.spawn(
      asyncBlock(function* () {
        const start = Instant.now();
        const summary = yield* crawl(`${site.url}/retry`, { retries: 5, deadline: 250 });
        return [summary, start.elapsed()] as const;
      }),
    );
    expect(leftovers(rt)).toEqual(NOTHING);
    expect([summary.stoppedBy, elapsed]).toEqual(["deadline", 250]);
    expect(paths(summary)).toEqual(["/retry"]);
    expect([site.hits.get("/flaky"), site.hits.get("/broken"), site.hits.get("/i")]).toEqual([
      2,
      2,
      undefined,
    ]);
  });

  it("refuses a concurrency of 0 with a RangeError that names the option, before any request", async () => {
    site = await new Site().start();
    const e = await run(crawl(`${site.url}/`, { concurrency: 0 })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RangeError);
    expect((e as RangeError).message).toBe(
      "crawl: options.concurrency must be an integer >= 1, got 0",
    );
    expect(site.hits.size).toBe(0);
  });

  it("finds a page's same-site links, without their fragments", () => {
    const page = `<a href="/a#top">a</a> <a href="b">b</a> <a href="https://other.test/">x</a> <a href="http://[">bad</a>`;
    expect(linksIn(page, "http://site.test/dir/")).toEqual([
      "http://site.test/a",
      "http://site.test/dir/b",
    ]);
  });

  it("runs as a program: Ctrl-C mid-crawl prints the summary and leaves no request open", async () => {
    site = await new Site().start();
    const child = spawnProcess(
      process.execPath,
      ["--import", "tsx", "examples/crawler.ts", `${site.url}/`],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = ""; // shown if the program fails (a long-poll warning is all it may print)
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
    });
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
    });
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    await site.whenOpen("/hang"); // the crawl is under way, so Ctrl-C is being listened for
    child.kill("SIGINT");
    expect({ code: await exited, stderr }).toMatchObject({ code: 0 });
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toBe(`ok ${site.url}/`); // printed before its links were handed out
    expect(lines.at(-1)).toMatch(
      /^stop: \d+ ok, [01] truncated, \d+ errors, 0 timeouts, \d+ retries$/,
    );
    expect(await site.settled()).toBe(0);
  }, 30_000);
});
