/**
 * A web crawler: from one page, fetch every page of its site that it links to, at most
 * `concurrency` at a time, each request under its own timeout and a cap on its body, a 5xx retried
 * with backoff, and the whole crawl under a deadline and Ctrl-C.
 *
 * A head chef (the coordinator) keeps the orders still to cook (the frontier, a plain array) and
 * every order ever taken (the seen-set); cooks (the workers) take orders off a short rail (the
 * bounded `work` channel) and put plates on the pass (`results`). Pages bring links that bring
 * pages, but cooks never hang orders on the rail themselves: once it is full they would all wait
 * there, with nobody left to take one down (docs/channels.md). Only the coordinator does, in a
 * `race.named` that takes a plate off the pass or, when the rail has room (`reserve()`), hangs the
 * next order; it races for room only while it has an order to hang.
 *
 * What Brigade gives over Promises is the stop. When the deadline or Ctrl-C wins the race in
 * `crawl`, the coordinator and the cooks are dropped, and with them every request in flight:
 * `fromPromise` aborts the fetch's signal, a body being read is cancelled (`fromAsyncIterable`), a
 * backoff's timer is unlinked. Nothing runs on once `crawl` has returned its summary. With Promises,
 * an AbortController goes into every fetch, body read and backoff, combined with each request's own
 * timeout (`AbortSignal.any`, whose timeout Node 20 can lose to garbage collection); one missed and
 * a request outlives the crawl.
 *
 * Run it: `npx tsx examples/crawler.ts <url> [deadline-ms]`.
 */
import { pathToFileURL } from "node:url";
import {
  asyncBlock,
  asyncFn,
  DONE,
  type Future,
  fromAsyncIterable,
  fromPromise,
  mpsc,
  pending,
  race,
  receiverStream,
  run,
  sleep,
  TimeoutError,
  timeout,
  tryJoin,
} from "../src/index.js";
import { ctrlC } from "../src/node.js";

export interface CrawlOptions {
  /** Requests in flight at most. @default 8 */
  concurrency?: number;
  /** Milliseconds for one request, headers and body together. @default 5000 */
  requestTimeout?: number;
  /** Bytes of a body read at most; the rest is not downloaded. @default 1 MiB */
  bodyCap?: number;
  /** Attempts after the first for a 5xx answer. @default 2 */
  retries?: number;
  /** Milliseconds before the first retry, doubled for each next one. @default 100 */
  backoff?: number;
  /** Milliseconds for the whole crawl. @default no deadline */
  deadline?: number;
  /** A future whose end stops the crawl (`ctrlC()` in the program). */
  stop?: Future<unknown>;
  /** Told of each page as it is done. */
  onPage?: (page: Page) => void;
}

/** How a page ended: read whole, read up to the cap, failed (network, 4xx, 5xx), timed out. */
export type Outcome = "ok" | "truncated" | "error" | "timeout";

/** One page's result, as a cook hands it back. */
export interface Page {
  readonly url: string;
  readonly outcome: Outcome;
  readonly links: readonly string[];
  readonly attempts: number;
}

/** What a crawl did, whichever way it stopped. */
export class CrawlSummary {
  stoppedBy: "done" | "deadline" | "stop" = "done";
  /** Each page whose result came back, with how it ended. */
  readonly pages = new Map<string, Outcome>();
  ok = 0;
  truncated = 0;
  errors = 0;
  timeouts = 0;
  retries = 0;

  /** Count one page's result. */
  add(page: Page): void {
    this.pages.set(page.url, page.outcome);
    this.retries += page.attempts - 1;
    if (page.outcome === "ok") this.ok++;
    else if (page.outcome === "truncated") this.truncated++;
    else if (page.outcome === "error") this.errors++;
    else this.timeouts++;
  }

  toString(): string {
    return `${this.stoppedBy}: ${this.ok} ok, ${this.truncated} truncated, ${this.errors} errors, ${this.timeouts} timeouts, ${this.retries} retries`;
  }
}

const DEFAULTS = {
  concurrency: 8,
  requestTimeout: 5000,
  bodyCap: 1 << 20,
  retries: 2,
  backoff: 100,
};
type Settings = typeof DEFAULTS & CrawlOptions;

/** One GET: its status and up to `cap` bytes of its body, read as a stream of chunks. */
const get = asyncFn(function* get(url: string, cap: number) {
  const res = yield* fromPromise((signal) => fetch(url, { signal }));
  const utf8 = new TextDecoder();
  let text = "";
  let size = 0;
  // Leaving this scope early (the cap, or a timeout dropping us mid-read) cancels the body.
  using body = fromAsyncIterable(res.body ?? new ReadableStream<Uint8Array>());
  for (let chunk = yield* body.next(); chunk !== DONE; chunk = yield* body.next()) {
    if (size + chunk.length > cap) {
      text += utf8.decode(chunk.subarray(0, cap - size));
      return { status: res.status, text, truncated: true };
    }
    size += chunk.length;
    text += utf8.decode(chunk, { stream: true });
  }
  return { status: res.status, text, truncated: false };
});

/** A page under its timeout, a 5xx retried after `backoff`, 2 × `backoff`, …: never throws. */
const fetchPage = asyncFn(function* fetchPage(url: string, o: Settings) {
  for (let attempts = 1; ; attempts++) {
    const page = (outcome: Outcome, links: string[] = []) => ({ url, outcome, links, attempts });
    let got: { status: number; text: string; truncated: boolean };
    try {
      got = yield* timeout(o.requestTimeout, get(url, o.bodyCap));
    } catch (e) {
      return page(e instanceof TimeoutError ? "timeout" : "error"); // a network error, or too slow
    }
    if (got.status >= 500 && attempts <= o.retries) {
      yield* sleep(o.backoff * 2 ** (attempts - 1));
    } else if (got.status !== 200) {
      return page("error");
    } else {
      return page(got.truncated ? "truncated" : "ok", linksIn(got.text, url));
    }
  }
});

/**
 * The same-site links of a page, without their `#fragment` (an `href="…"` scan: enough here).
 *
 * @example linksIn('<a href="/a#top">', "http://site.test/") // ["http://site.test/a"]
 */
export function linksIn(html: string, base: string): string[] {
  const origin = new URL(base).origin;
  const links: string[] = [];
  for (const [, href] of html.matchAll(/href="([^"]*)"/g)) {
    if (!URL.canParse(href!, base)) continue;
    const link = new URL(href!, base);
    link.hash = "";
    if (link.origin === origin) links.push(link.href);
  }
  return links;
}

/** The cooks: each URL off the rail becomes a page on the pass, `concurrency` at a time. */
const cooks = asyncFn(function* cooks(
  work: mpsc.Receiver<string>,
  results: mpsc.Sender<Page>,
  o: Settings,
) {
  using _pass = results;
  yield* receiverStream(work).forEachConcurrent(o.concurrency, (url) =>
    asyncBlock(function* () {
      yield* results.send(yield* fetchPage(url, o));
    }),
  );
});

/** The head chef: hands out each new URL once, takes the pages back, until none is left. */
const coordinate = asyncFn(function* coordinate(
  start: string,
  work: mpsc.Sender<string>,
  results: mpsc.Receiver<Page>,
  summary: CrawlSummary,
  onPage: CrawlOptions["onPage"],
) {
  using _rail = work; // closed at the end, so the cooks finish
  const seen = new Set([start]);
  const frontier = [start];
  let outstanding = 0; // handed out, page not back yet
  while (frontier.length > 0 || outstanding > 0) {
    const next =
      frontier.length > 0
        ? yield* race.named({ done: results.recv(), slot: work.reserve() })
        : { key: "done" as const, value: yield* results.recv() }; // nothing to hand out
    if (next.key === "slot") {
      next.value.send(frontier.shift()!);
      outstanding++;
      continue;
    }
    const page = next.value;
    if (page === undefined) throw new Error("the cooks stopped with pages outstanding");
    outstanding--;
    summary.add(page);
    onPage?.(page);
    for (const link of page.links) {
      if (!seen.has(link)) frontier.push(link);
      seen.add(link);
    }
  }
});

/**
 * Crawl the site of `start` and say what was found. Returns when every page reachable from it is
 * done, or at the deadline or `stop`, with the requests still in flight closed.
 *
 * @example
 * ```ts
 * const summary = yield* crawl("http://127.0.0.1:8080/", { deadline: 10_000, stop: ctrlC() });
 * console.log(`${summary}`); // done: 12 ok, 0 truncated, 1 errors, 1 timeouts, 2 retries
 * ```
 */
export const crawl = asyncFn(function* crawl(start: string, options: CrawlOptions = {}) {
  const o: Settings = { ...DEFAULTS, ...options };
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) {
    throw new RangeError(
      `crawl: options.concurrency must be an integer >= 1, got ${o.concurrency}`,
    );
  }
  const summary = new CrawlSummary();
  const [workTx, workRx] = mpsc.channel<string>(o.concurrency);
  const [resultTx, resultRx] = mpsc.channel<Page>(o.concurrency);
  const how = yield* race.named({
    done: tryJoin(
      coordinate(new URL(start).href, workTx, resultRx, summary, o.onPage),
      cooks(workRx, resultTx, o),
    ),
    deadline: o.deadline === undefined ? pending() : sleep(o.deadline),
    stop: o.stop ?? pending(),
  });
  summary.stoppedBy = how.key;
  return summary;
});

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [start, deadline] = process.argv.slice(2);
  if (start === undefined) {
    console.error("usage: npx tsx examples/crawler.ts <url> [deadline-ms]");
    process.exit(2);
  }
  const summary = await run(
    crawl(start, {
      deadline: deadline === undefined ? undefined : Number(deadline),
      stop: ctrlC(),
      onPage: (p) => console.log(`${p.outcome} ${p.url}`),
    }),
  );
  console.log(`${summary}`);
}
