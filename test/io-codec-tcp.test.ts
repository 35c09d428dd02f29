/**
 * Framed over real TCP on 127.0.0.1: several megabytes of length-delimited frames go one way and
 * their checksums come back as lines the other way; a `next()` dropped while it waits on the
 * socket takes its wait back (the runtime's `ioWaits` reads zero); disposing the framed types
 * closes the sockets (no socket or listener is left open after each test).
 */
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import {
  Framed,
  FramedRead,
  FramedWrite,
  LengthDelimitedCodec,
  LinesCodec,
} from "../src/io/codec/index.js";
import { split } from "../src/io/split.js";
import { TcpListener, TcpStream } from "../src/node.js";
import { Runtime } from "../src/runtime/runtime.js";
import { DONE } from "../src/stream/index.js";
import { sleep } from "../src/time/sleep.js";
import { MockTask, PENDING } from "./future-testkit.js";
import { expectNoSocketsLeft, withPair } from "./net-testkit.js";

expectNoSocketsLeft();

/** A cheap checksum of a frame (FNV-1a). */
function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** Deterministic frames of 0 to 120 KiB, about 6 MB in all. */
function frames(): Uint8Array[] {
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  return Array.from({ length: 100 }, (_, i) => {
    const f = new Uint8Array(i === 0 ? 0 : next() % (120 * 1024));
    for (let j = 0; j < f.length; j += 97) f[j] = next() & 0xff;
    return f;
  });
}

describe("Framed over TCP loopback", () => {
  it("sends about 6 MB of length-delimited frames one way and gets each frame's checksum back as a line", async () => {
    const sent = frames();
    const total = sent.reduce((n, f) => n + f.length, 0);
    expect(total).toBeGreaterThan(5_000_000);
    const [got, seen] = await withPair(function* (client, server) {
      // Each side splits its socket: frames go one way, the checksums' lines the other way.
      const serve = asyncBlock(function* () {
        const [rd, wr] = split(server);
        using incoming = new FramedRead(rd, new LengthDelimitedCodec());
        using answers = new FramedWrite(wr, new LinesCodec());
        let seen = 0;
        for (let f = yield* incoming.next(); f !== DONE; f = yield* incoming.next()) {
          seen += f.length;
          yield* answers.feed(`${f.length} ${fnv(f)}`);
        }
        yield* answers.close();
        return seen;
      });
      const talk = asyncBlock(function* () {
        const [rd, wr] = split(client);
        using outgoing = new FramedWrite(wr, new LengthDelimitedCodec());
        using lines = new FramedRead(rd, new LinesCodec());
        const send = asyncBlock(function* () {
          for (const f of sent) yield* outgoing.feed(f);
          yield* outgoing.close();
        });
        const [, got] = yield* join(send, lines.collect());
        return got;
      });
      const [seen, got] = yield* join(serve, talk);
      return [got, seen] as const;
    });
    expect(seen).toBe(total);
    expect(got).toEqual(sent.map((f) => `${f.length} ${fnv(f)}`));
  });

  it("send of a 16 MB frame stays pending while the peer reads nothing, and finishes once it reads", async () => {
    const big = new Uint8Array(16 * 1024 * 1024).fill(5);
    const got = await withPair(function* (client, server) {
      const codec = () => new LengthDelimitedCodec({ maxFrameLength: big.length });
      using out = new FramedWrite(client, codec());
      using incoming = new FramedRead(server, codec());
      const sending = new MockTask(out.send(big));
      expect(sending.poll()).toBe(PENDING);
      yield* sleep(50); // real time: the kernel's buffers fill, and stay full
      expect(sending.poll()).toBe(PENDING);
      expect(out.writeBuffer.length).toBeGreaterThan(0);
      const finish = asyncBlock(function* () {
        while (sending.poll() === PENDING) yield* sleep(1);
      });
      const [, frame] = yield* join(finish, incoming.next());
      return frame;
    });
    // Compared as Buffers: vitest's deep equality lists a typed array's keys, 16 million here.
    expect(Buffer.compare(Buffer.from(got as Uint8Array), big)).toBe(0);
  });

  it("a next() dropped while it waits on the socket takes its wait back, and the next one gets the frame", async () => {
    const rt = new Runtime();
    try {
      const got = await rt.spawn(
        asyncBlock(function* () {
          const listener = yield* TcpListener.bind("127.0.0.1:0");
          const client = yield* TcpStream.connect(listener.localAddr());
          using server = new Framed(yield* listener.accept(), new LinesCodec());
          using conn = new Framed(client, new LinesCodec());
          listener[Symbol.dispose]();
          const victim = conn.next();
          expect(new MockTask(victim).poll()).toBe(PENDING);
          expect(Runtime.current().metrics().ioWaits).toBe(1);
          victim[Symbol.dispose]();
          expect(Runtime.current().metrics().ioWaits).toBe(0);
          yield* server.send("order up");
          return yield* conn.next();
        }),
      );
      expect(got).toBe("order up");
      expect(rt.metrics().ioWaits).toBe(0);
    } finally {
      await rt.shutdown();
    }
  });
});
