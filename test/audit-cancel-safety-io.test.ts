/**
 * Audit of the cancellation-safety claims of io/ and net/ that no earlier test proved at every
 * point, on real sockets over 127.0.0.1. Each future is polled by hand (a MockTask, whose waker
 * counts its wakes) from inside a task, so the runtime counts its I/O waits, and is disposed at
 * one of four points: before its first poll, after a pending poll, after it was woken but before it
 * was polled again, or after it was ready. Then: no byte or connection is lost or invented, the
 * runtime's `ioWaits` reads zero, and no socket or listener is left open.
 */
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { FutureBase } from "../src/future/future.js";
import { BufReader } from "../src/io/buf-reader.js";
import { read } from "../src/io/read.js";
import { TcpListener, TcpStream } from "../src/node.js";
import { Runtime } from "../src/runtime/runtime.js";
import "../src/stream/index.js";
import { sleep } from "../src/time/sleep.js";
import { MockTask, PENDING } from "./future-testkit.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

const POINTS = [
  "before its first poll",
  "after a pending poll",
  "after it was woken, before it was polled again",
  "after it was ready",
] as const;

interface Ends {
  listener: TcpListener;
  client: TcpStream;
  server: TcpStream;
}

/** Run `body(ends)` as a task of a fresh runtime with a connected pair; close all; nothing left. */
async function withPair(body: (e: Ends) => Generator<any, void, any>): Promise<void> {
  const rt = new Runtime();
  try {
    await rt.spawn(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const client = yield* TcpStream.connect(listener.localAddr());
        const server = yield* listener.accept();
        try {
          yield* body({ listener, client, server });
          expect(Runtime.current().metrics().ioWaits).toBe(0);
        } finally {
          client[Symbol.dispose]();
          server[Symbol.dispose]();
          listener[Symbol.dispose]();
        }
      }),
    );
    // Once the sockets are closed too (read before the shutdown, which would end any wait).
    expect(rt.metrics().ioWaits).toBe(0);
  } finally {
    await rt.shutdown();
  }
}

function ioWaits(): number {
  return Runtime.current().metrics().ioWaits;
}

/** Let real time pass (1 ms at a time) until `cond` holds; fail if it never does. */
function* until(cond: () => boolean, what: string) {
  for (let i = 0; i < 3000; i++) {
    if (cond()) return;
    yield* sleep(1);
  }
  throw new Error(`never happened: ${what}`);
}

/** Poll `f` by hand once; it must park. */
function park<T>(f: FutureBase<T>): MockTask<T> {
  const m = new MockTask<T>(f);
  expect(m.poll()).toBe(PENDING);
  return m;
}

/** Poll `m` again (it was woken); it must be ready. */
function again<T>(m: MockTask<T>): T {
  const v = m.poll();
  expect(v).not.toBe(PENDING);
  return v as T;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("TcpStream.read(): cancellation safe, a read dropped before it is ready took no byte", () => {
  POINTS.forEach((point, p) => {
    it(`a read is disposed ${point}: the next read gets every byte the peer sent, and the dropped read's buffer is untouched unless it returned`, () =>
      withPair(function* ({ client, server }) {
        const buf = new Uint8Array(16);
        const victimF = client.read(buf);
        const victim = p >= 1 ? park(victimF) : null;
        expect(ioWaits()).toBe(p >= 1 ? 1 : 0);
        if (p === 1) {
          victimF[Symbol.dispose]();
          expect(ioWaits()).toBe(0);
        }
        yield* server.writeAll(enc("hello"));
        yield* until(() => client.readBufferLength === 5, "the bytes arrive");
        if (p >= 2) expect(victim!.isWoken()).toBe(true);
        let first = "";
        if (p === 3) first = dec(buf.subarray(0, again(victim!)));
        victimF[Symbol.dispose]();
        if (p !== 3) expect(buf).toEqual(new Uint8Array(16)); // nothing was copied into it
        expect(client.readBufferLength).toBe(p === 3 ? 0 : 5);
        yield* server.writeAll(enc(" world"));
        yield* server.shutdown();
        const rest = dec(yield* client.readToEnd());
        expect(first + rest).toBe("hello world");
      }));
  });
});

/**
 * Write 64 KiB chunks of 0x11 (the peer reads nothing) until a write parks and stays parked for
 * 20 ms; then mark its buffer 0xEE, so any byte it writes later can be told apart. The bytes
 * accepted before it, and the parked write.
 */
function* jam(client: TcpStream) {
  const chunk = new Uint8Array(64 * 1024).fill(0x11);
  let accepted = 0;
  for (let i = 0; i < 4000; i++) {
    const f = client.write(chunk);
    const m = new MockTask<number>(f);
    let r = m.poll();
    while (r === PENDING) {
      yield* sleep(20);
      if (m.wakes === 0) {
        chunk.fill(0xee);
        return { accepted, f, m };
      }
      m.wakes = 0;
      r = m.poll();
    }
    accepted += r;
  }
  throw new Error("the peer's buffers never filled up");
}

/** Read what `server` has now by hand (never parking for long); count the bytes of each kind. */
function drainNow(server: TcpStream, seen: { total: number; marked: number }): void {
  const buf = new Uint8Array(256 * 1024);
  for (;;) {
    const f = server.read(buf);
    const n = new MockTask<number>(f).poll();
    if (n === PENDING) {
      f[Symbol.dispose]();
      return;
    }
    if (n === 0) return;
    seen.total += n;
    for (let i = 0; i < n; i++) if (buf[i] === 0xee) seen.marked++;
  }
}

describe("TcpStream.write(): cancellation safe, a write dropped before it is ready wrote nothing", () => {
  POINTS.slice(1).forEach((point, i) => {
    const p = i + 1;
    it(`a write parked on a peer that does not read is disposed ${point}: the peer receives exactly the bytes of the writes that returned`, () =>
      withPair(function* ({ client, server }) {
        const { accepted, f, m } = yield* jam(client);
        expect(ioWaits()).toBe(1);
        let written = 0;
        const seen = { total: 0, marked: 0 };
        if (p === 1) {
          f[Symbol.dispose]();
          expect(ioWaits()).toBe(0);
        } else {
          // The peer reads until Node's buffer drains and the parked write is woken.
          yield* until(() => {
            drainNow(server, seen);
            return m.wakes > 0;
          }, "the parked write is woken by the drain");
          if (p === 3) written = again(m);
          f[Symbol.dispose]();
        }
        const [rest] = yield* join(server.readToEnd(), client.shutdown());
        seen.total += rest.length;
        for (const b of rest) if (b === 0xee) seen.marked++;
        expect(seen).toEqual({ total: accepted + written, marked: written });
        if (p === 3) expect(written).toBeGreaterThan(0);
      }));
  });
});

describe("flush() and shutdown(): cancellation safe, they only wait and can be started again", () => {
  for (const op of ["flush", "shutdown"] as const) {
    POINTS.slice(1, 3).forEach((point, i) => {
      const p = i + 1;
      it(`${op}() waiting on a peer that does not read is disposed ${point}; a new ${op}() then completes once the peer reads, and every byte arrives`, () =>
        withPair(function* ({ client, server }) {
          const { accepted, f: jammed } = yield* jam(client);
          jammed[Symbol.dispose]();
          const seen = { total: 0, marked: 0 };
          const victimF = op === "flush" ? client.flush() : client.shutdown();
          const victim = park(victimF);
          expect(ioWaits()).toBe(1);
          if (p === 2) {
            yield* until(() => {
              drainNow(server, seen);
              return victim.wakes > 0;
            }, `the ${op}() is woken by the drain`);
          }
          victimF[Symbol.dispose]();
          expect(ioWaits()).toBe(0);
          const [rest] = yield* join(
            server.readToEnd(),
            asyncBlock(function* () {
              yield* op === "flush" ? client.flush() : client.shutdown();
              // After a flush the writing side is still open: close it so the peer reaches the end.
              if (op === "flush") yield* client.shutdown();
            }),
          );
          seen.total += rest.length;
          expect(seen.total).toBe(accepted);
        }));
    });
  }
});

describe("TcpListener.accept(): cancellation safe, a connection is taken only by the poll that returns it", () => {
  POINTS.forEach((point, p) => {
    it(`an accept is disposed ${point}: the next accept gets the connection that arrived, and it is the client's`, () =>
      withPair(function* ({ listener }) {
        const victimF = listener.accept();
        const victim = p >= 1 ? park(victimF) : null;
        expect(ioWaits()).toBe(p >= 1 ? 1 : 0);
        if (p === 1) {
          victimF[Symbol.dispose]();
          expect(ioWaits()).toBe(0);
        }
        const second = yield* TcpStream.connect(listener.localAddr());
        try {
          let got: TcpStream | null = null;
          if (p >= 2) {
            yield* until(() => victim!.wakes > 0, "the accept is woken by the connection");
            if (p === 3) got = again(victim!);
          }
          victimF[Symbol.dispose]();
          got ??= yield* listener.accept();
          using accepted = got;
          expect(accepted.peerAddr().port).toBe(second.localAddr().port);
          // Nothing else is queued: a further accept parks.
          const more = listener.accept();
          park(more);
          more[Symbol.dispose]();
        } finally {
          second[Symbol.dispose]();
        }
      }));
  });
});

describe("BufReader.lines().next(): cancellation safe, the partial line stays in the stream", () => {
  POINTS.slice(1).forEach((point, i) => {
    const p = i + 1;
    it(`a next() holding half a line is disposed ${point}: the next call returns the whole line`, () =>
      withPair(function* ({ client, server }) {
        const lines = new BufReader(client).lines();
        yield* server.writeAll(enc("half"));
        yield* until(() => client.readBufferLength === 4, "the first half arrives");
        const victimF = lines.next();
        const victim = park(victimF); // takes "half" into the reader's buffer, no line yet
        expect(client.readBufferLength).toBe(0);
        if (p === 1) {
          (victimF as FutureBase<unknown> & Partial<Disposable>)[Symbol.dispose]?.();
          expect(ioWaits()).toBe(0);
        }
        yield* server.writeAll(enc(" a line\nnext\n"));
        yield* server.shutdown();
        let got: unknown[] = [];
        if (p >= 2) {
          yield* until(() => victim.wakes > 0, "the rest of the line arrives");
          if (p === 3) got = [again(victim)];
          (victimF as FutureBase<unknown> & Partial<Disposable>)[Symbol.dispose]?.();
        }
        got = got.concat(yield* lines.collect());
        expect(got).toEqual(["half a line", "next"]);
      }));
  });
});

describe("BufReader.pollRead: cancellation safe, like read", () => {
  POINTS.slice(1, 3).forEach((point, i) => {
    const p = i + 1;
    it(`read(bufReader, buf) is disposed ${point}: the next read through the BufReader gets every byte`, () =>
      withPair(function* ({ client, server }) {
        const reader = new BufReader(client, 4);
        const buf = new Uint8Array(3);
        const f = read(reader, buf);
        const m = park(f);
        if (p === 2) {
          yield* server.writeAll(enc("abcdef"));
          yield* until(() => m.wakes > 0, "the bytes arrive");
        }
        f[Symbol.dispose]();
        expect(ioWaits()).toBe(0);
        expect(buf).toEqual(new Uint8Array(3));
        if (p === 1) yield* server.writeAll(enc("abcdef"));
        yield* server.shutdown();
        let text = "";
        for (let n = yield* read(reader, buf); n > 0; n = yield* read(reader, buf)) {
          text += dec(buf.subarray(0, n));
        }
        expect(text).toBe("abcdef");
      }));
  });
});

describe("the futures documented as not cancellation safe lose exactly what their TSDoc says", () => {
  it("readExact(10) has taken 4 bytes and parks, then is disposed: the 4 bytes are in its buffer and gone from the stream; the next read starts after them", () =>
    withPair(function* ({ client, server }) {
      yield* server.writeAll(enc("abcd"));
      yield* until(() => client.readBufferLength === 4, "the first bytes arrive");
      const buf = new Uint8Array(10);
      const f = client.readExact(buf);
      park(f);
      f[Symbol.dispose]();
      expect(ioWaits()).toBe(0);
      expect(dec(buf.subarray(0, 4))).toBe("abcd");
      expect(client.readBufferLength).toBe(0);
      yield* server.writeAll(enc("efgh"));
      yield* server.shutdown();
      expect(dec(yield* client.readToEnd())).toBe("efgh");
    }));

  it("readLine() holding half a line is disposed: that half is lost, and lines() goes on from the rest (hence 'use lines() with select')", () =>
    withPair(function* ({ client, server }) {
      const reader = new BufReader(client);
      yield* server.writeAll(enc("half"));
      yield* until(() => client.readBufferLength === 4, "the first half arrives");
      const f = reader.readLine();
      park(f);
      f[Symbol.dispose]();
      expect(ioWaits()).toBe(0);
      yield* server.writeAll(enc(" a line\nnext\n"));
      yield* server.shutdown();
      expect(yield* reader.lines().collect()).toEqual([" a line", "next"]);
    }));
});
