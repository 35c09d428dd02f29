/**
 * Bug hunt in split, copy and copyBidirectional over real loopback sockets, against tokio's
 * `split` / `into_split`, `copy` and `copy_bidirectional`: halves in two tasks disposed in either
 * order, a half disposed under a future parked through it, byte counts and half-closes passed on
 * both ways, and a writer that accepts nothing.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, fromPromise, run, spawn } from "../src/index.js";
import {
  copy,
  copyBidirectional,
  IoError,
  netMetrics,
  read,
  TcpListener,
  TcpStream,
  writeAll,
} from "../src/node.js";
import { expectNoSocketsLeft, withPair } from "./net-testkit.js";

expectNoSocketsLeft();

const text = new TextEncoder();
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const pause = (ms: number) => fromPromise(() => new Promise((r) => setTimeout(r, ms)));

/** What a failed step threw, as `kind: message` for an IoError. */
function failure(e: unknown): string {
  return e instanceof IoError
    ? `${e.kind}: ${e.message}`
    : `${(e as Error).name}: ${(e as Error).message}`;
}

describe("split halves in two tasks", () => {
  for (const first of ["read", "write"] as const) {
    it(`the ${first} half is disposed first: the other half goes on working, and only the second disposal closes the socket (the peer then reads the end)`, async () => {
      const out = await withPair(function* (client, server) {
        const [rd, wr] = client.split();
        const steps: string[] = [];
        const reader = spawn(
          asyncBlock(function* () {
            const buf = new Uint8Array(16);
            const n = yield* read(rd, buf);
            steps.push(`read ${decode(buf.subarray(0, n))}`);
            if (first === "read") rd[Symbol.dispose]();
          }),
        );
        const writer = spawn(
          asyncBlock(function* () {
            yield* writeAll(wr, text.encode("ping"));
            steps.push("wrote ping");
            if (first === "write") wr[Symbol.dispose]();
          }),
        );
        steps.push(`server got ${decode((yield* readSome(server)) ?? new Uint8Array(0))}`);
        yield* server.writeAll(text.encode("pong"));
        yield* reader;
        yield* writer;
        const socketsWithOneHalf = netMetrics().liveSockets;
        // The half still held works: a read or a write through it.
        if (first === "read") {
          yield* writeAll(wr, text.encode("again"));
          steps.push(`server got ${decode((yield* readSome(server)) ?? new Uint8Array(0))}`);
          wr[Symbol.dispose]();
        } else {
          yield* server.writeAll(text.encode("again"));
          const buf = new Uint8Array(16);
          const n = yield* read(rd, buf);
          steps.push(`read ${decode(buf.subarray(0, n))}`);
          rd[Symbol.dispose]();
        }
        steps.push(`server reads ${yield* server.read(new Uint8Array(4))} at the end`);
        return { steps, socketsWithOneHalf };
      });
      expect(out.socketsWithOneHalf).toBe(2);
      expect(out.steps).toEqual(
        first === "read"
          ? [
              "wrote ping",
              "server got ping",
              "read pong",
              "server got again",
              "server reads 0 at the end",
            ]
          : [
              "wrote ping",
              "server got ping",
              "read pong",
              "read again",
              "server reads 0 at the end",
            ],
      );
    });
  }
});

describe("a split half disposed under a future parked through it", () => {
  for (const half of ["read", "write"] as const) {
    it(`the ${half} half is disposed by another task while a ${half} through it is parked: that ${half} fails at once with the half's TypeError, not at the peer's next event; the other half keeps the socket open`, async () => {
      const out = await withPair(function* (client) {
        const [rd, wr] = client.split();
        const parked = spawn(
          asyncBlock(function* () {
            try {
              if (half === "read")
                yield* read(rd, new Uint8Array(8)); // the peer sends nothing
              else yield* writeAll(wr, new Uint8Array(32 << 20)); // the peer reads nothing
              return "done";
            } catch (e) {
              return failure(e);
            }
          }),
        );
        yield* pause(30); // it parks
        (half === "read" ? rd : wr)[Symbol.dispose]();
        yield* pause(30); // before the fix it was still parked here (and for ever if idle)
        const finishedAtOnce = parked.isFinished();
        const sockets = netMetrics().liveSockets;
        (half === "read" ? wr : rd)[Symbol.dispose]();
        return { finishedAtOnce, sockets, outcome: yield* parked };
      });
      expect(out.finishedAtOnce).toBe(true);
      expect(out.sockets).toBe(2);
      expect(out.outcome).toBe(
        `TypeError: ${half === "read" ? "ReadHalf" : "WriteHalf"} was used after it was disposed`,
      );
    });
  }
});

/** One read of up to 64 bytes. */
function* readSome(stream: TcpStream) {
  const buf = new Uint8Array(64);
  const n: number = yield* stream.read(buf);
  return buf.subarray(0, n);
}

describe("copyBidirectional between two real connections", () => {
  for (const first of ["A", "B"] as const) {
    const second = first === "A" ? "B" : "A";
    it(`${first}'s half-close reaches ${second} as its end while ${second} still answers; ${second}'s half-close then ends it, with [A→B, B→A] byte counts`, async () => {
      const out = await run(
        asyncBlock(function* () {
          const listener = yield* TcpListener.bind("127.0.0.1:0");
          const a = yield* TcpStream.connect(listener.localAddr());
          const aProxy = yield* listener.accept();
          const bProxy = yield* TcpStream.connect(listener.localAddr());
          const b = yield* listener.accept();
          const size = { A: 100_000, B: 777 };
          const [x, y] = first === "A" ? [a, b] : [b, a];
          try {
            const proxy = spawn(copyBidirectional(aProxy, bProxy));
            yield* x.writeAll(new Uint8Array(size[first]).fill(1));
            yield* x.shutdown();
            const atSecond = (yield* y.readToEnd()).length;
            yield* y.writeAll(new Uint8Array(size[second]).fill(2));
            const finishedEarly = proxy.isFinished();
            yield* y.shutdown();
            const atFirst = (yield* x.readToEnd()).length;
            return { atSecond, atFirst, finishedEarly, counts: yield* proxy };
          } finally {
            for (const s of [a, aProxy, bProxy, b, listener]) s[Symbol.dispose]();
          }
        }),
      );
      expect(out).toEqual({
        atSecond: first === "A" ? 100_000 : 777,
        atFirst: first === "A" ? 777 : 100_000,
        finishedEarly: false,
        counts: [100_000, 777],
      });
    });
  }
});

describe("copy", () => {
  it("copy from a socket into a writer that moves chunks but accepts 0 bytes fails with WriteZero, as the copying path does, instead of spinning", async () => {
    /** Takes chunks by move (like a TcpStream), but accepts nothing: a writer that is done. */
    class DeadWriter {
      calls = 0;
      pollWriteOwned(): number {
        // Before the fix, copy called this for ever within one poll: stop it to fail, not hang.
        if (++this.calls > 1000) throw new Error("copy spun on a writer that accepts 0 bytes");
        return 0;
      }
      pollWrite(): number {
        return 0;
      }
      pollFlush(): void {}
      pollShutdown(): void {}
    }
    const dead = new DeadWriter();
    const out = await withPair(function* (client, server) {
      yield* client.writeAll(text.encode("order"));
      try {
        yield* copy(server, dead as unknown as Parameters<typeof copy>[1]);
        return "copied";
      } catch (e) {
        return failure(e);
      }
    });
    expect(out).toBe("WriteZero: copy: the writer accepted 0 bytes");
    expect(dead.calls).toBe(1);
  });
});
