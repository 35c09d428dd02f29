/**
 * `fromAsyncIterable` (and `fromReadable`) over a web `ReadableStream` (a `fetch` body): it reads through the stream's
 * reader, and dropping it cancels the stream at once, even while a read waits for bytes that do
 * not come (the stream's own async iterator would wait behind that read, and a stalled request
 * would stay open). Checked on a hand-made stream and on a real `fetch` against a server that
 * stalls mid-body.
 */
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  DONE,
  fromAsyncIterable,
  fromPromise,
  run,
  select,
  sleep,
} from "../src/index.js";
import { BufReader, fromReadable, read } from "../src/node.js";

describe("fromAsyncIterable(web ReadableStream)", () => {
  it("reads every chunk of a web stream, then ends", async () => {
    const rs = new ReadableStream<number>({
      start(c) {
        for (const n of [1, 2, 3]) c.enqueue(n);
        c.close();
      },
    });
    expect(await run(fromAsyncIterable(rs).collect())).toEqual([1, 2, 3]);
  });

  it("dropped while a read waits for a chunk that never comes, the stream is cancelled at once (its cancel runs, with no reason) and the stream then ends", async () => {
    const cancelled: unknown[] = [];
    let cancelCalled!: () => void;
    const cancelledNow = new Promise<void>((r) => {
      cancelCalled = r;
    });
    const rs = new ReadableStream<string>({
      start(c) {
        c.enqueue("first");
      },
      pull() {
        return new Promise(() => {}); // stalls: the second chunk never comes
      },
      cancel(reason) {
        cancelled.push(reason ?? "no reason");
        cancelCalled();
      },
    });
    const out = await run(
      asyncBlock(function* () {
        const s = fromAsyncIterable(rs);
        const first = yield* s.next();
        const raced = yield* select(s.next(), sleep(5));
        const index = raced.index;
        raced.rest[Symbol.dispose]();
        s[Symbol.dispose]();
        // The cancel runs down a promise chain: wait for it (for ever, and the test times out, if
        // the drop did not cancel).
        yield* fromPromise(() => cancelledNow);
        return { first, index, after: yield* s.next() };
      }),
    );
    expect(out).toEqual({ first: "first", index: 1, after: DONE });
    expect(cancelled).toEqual(["no reason"]);
  });

  it("a fetch body that stalls mid-way: dropping its stream closes the request (the server sees the connection close)", async () => {
    let closed!: () => void;
    const requestClosed = new Promise<void>((r) => {
      closed = r;
    });
    const server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.write(Buffer.alloc(1024, 1)); // then nothing more, and never an end
      req.socket.once("close", closed);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const got = await run(
        asyncBlock(function* () {
          const res = yield* fromPromise((signal) =>
            fetch(`http://127.0.0.1:${port}/`, { signal }),
          );
          const body = fromAsyncIterable(res.body!);
          let bytes = 0;
          for (;;) {
            const raced = yield* select(body.next(), sleep(200));
            if (raced.index === 1) {
              raced.rest[Symbol.dispose]();
              break;
            }
            const chunk = raced.value as Uint8Array | typeof DONE;
            if (chunk === DONE) break;
            bytes += chunk.length;
          }
          body[Symbol.dispose]();
          return bytes;
        }),
      );
      expect(got).toBe(1024);
      await requestClosed; // hangs (and the test times out) if the request stays open
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("fromReadable takes a web stream of bytes too: its lines are read, and a reader dropped mid-read cancels it", async () => {
    const lines = await run(
      asyncBlock(function* () {
        const rs = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode("soup\nbre"));
            c.enqueue(new TextEncoder().encode("ad\n"));
            c.close();
          },
        });
        return yield* new BufReader(fromReadable(rs)).lines().collect();
      }),
    );
    expect(lines).toEqual(["soup", "bread"]);
    const cancelled: unknown[] = [];
    let cancelCalled!: () => void;
    const cancelledNow = new Promise<void>((r) => {
      cancelCalled = r;
    });
    const out = await run(
      asyncBlock(function* () {
        const rs = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new Uint8Array([1, 2, 3]));
          },
          pull() {
            return new Promise(() => {});
          },
          cancel() {
            cancelled.push("cancelled");
            cancelCalled();
          },
        });
        const reader = fromReadable(rs);
        const buf = new Uint8Array(8);
        const n = yield* read(reader, buf);
        const raced = yield* select(read(reader, buf), sleep(5));
        raced.rest[Symbol.dispose]();
        reader[Symbol.dispose]();
        yield* fromPromise(() => cancelledNow);
        return { n, index: raced.index };
      }),
    );
    expect(out).toEqual({ n: 3, index: 1 });
    expect(cancelled).toEqual(["cancelled"]);
    expect(() => fromReadable({} as never)).toThrow(
      /fromReadable\(stream\): stream must be a Node Readable or a web ReadableStream of bytes, got object/,
    );
  });

  it("fromReadable(webStream, { close: false }) is refused before it locks the stream: the reader would keep it locked, so nobody could read on", () => {
    const rs = new ReadableStream<Uint8Array>();
    expect(() => fromReadable(rs, { close: false })).toThrow(
      /fromReadable\(stream, options\): options\.close false cannot apply to a web ReadableStream/,
    );
    expect(rs.locked).toBe(false);
  });

  it("dropped before its first read, the stream cancels the web stream all the same (a fetch body left unread must not keep its request open)", async () => {
    let cancelCalled!: () => void;
    const cancelledNow = new Promise<void>((r) => {
      cancelCalled = r;
    });
    const rs = new ReadableStream<Uint8Array>({
      cancel() {
        cancelCalled();
      },
    });
    await run(
      asyncBlock(function* () {
        const body = fromAsyncIterable(rs);
        body[Symbol.dispose]();
        yield* fromPromise(() => cancelledNow); // for ever, and the test times out, if not
      }),
    );
    expect(rs.locked).toBe(true); // read through a reader that cancelled it
  });

  it("an async generator dropped before its first item is returned: a later next() on it is done, and none of its code ran", async () => {
    let ran = false;
    async function* gen() {
      ran = true;
      yield 1;
    }
    const g = gen();
    const s = fromAsyncIterable(g);
    s[Symbol.dispose]();
    await Promise.resolve();
    expect(await g.next()).toEqual({ done: true, value: undefined });
    expect(ran).toBe(false);
  });
});
