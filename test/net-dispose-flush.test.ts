/**
 * Disposing a TcpStream right after a write must not throw away what Node still holds in its
 * write queue: in tokio the kernel keeps sending what `write_all` handed it after the drop, and a
 * Brigade program that writes its last answer and drops the stream must see it delivered too.
 */
import net from "node:net";
import { describe, expect, it } from "vitest";
import { race } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { fromPromise } from "../src/future/from-promise.js";
import { write } from "../src/io/write.js";
import { TcpListener } from "../src/net/tcp-listener.js";
import { netMetrics } from "../src/node.js";
import { run } from "../src/runtime/runtime.js";
import { sleep } from "../src/time/sleep.js";
import { settled } from "./net-testkit.js";

describe("TcpStream dispose after a write", () => {
  it("a reader that was not reading still gets every byte accepted before the dispose, then the end", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* TcpListener.bind({ host: "127.0.0.1", port: 0 });
        const { port } = listener.localAddr();
        let got = 0;
        const client = net.connect({ port, host: "127.0.0.1" });
        client.pause(); // not reading: the server's writes back up, into Node's queue at last
        const done = new Promise<number>((resolve, reject) => {
          client.on("data", (d: Buffer) => {
            got += d.length;
          });
          client.on("end", () => resolve(got));
          client.on("error", reject);
        });
        const conn = yield* listener.accept();
        // Write until a write has to wait: every byte accepted before it is the stream's to send.
        let accepted = 0;
        for (;;) {
          const n = yield* race(write(conn, chunk), sleep(200));
          if (n === undefined) break;
          accepted += n;
        }
        conn[Symbol.dispose](); // no shutdown, no flush: just dropped
        client.resume();
        const received = yield* fromPromise(() => done);
        client.destroy();
        return { accepted, received };
      }),
    );
    expect(out.accepted).toBeGreaterThan(0);
    expect(out.received).toBe(out.accepted);
    expect(await settled()).toEqual({ liveSockets: 0, liveListeners: 0 });
  });

  it("a peer that never reads: once nothing has been sent for a while, the disposed socket gives up and closes (it cannot hold the process)", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(1);
    const client = await run(
      asyncBlock(function* () {
        using listener = yield* TcpListener.bind({ host: "127.0.0.1", port: 0 });
        const { port } = listener.localAddr();
        const peer = net.connect({ port, host: "127.0.0.1" });
        peer.pause(); // never reads
        peer.on("error", () => {});
        const conn = yield* listener.accept();
        for (;;) {
          // Backed up for good: the kernel's buffers are full and the peer takes nothing.
          const n = yield* race(write(conn, chunk), sleep(1500));
          if (n === undefined) break;
        }
        expect(conn.writeBufferLength).toBeGreaterThan(0); // bytes left that can never go
        conn[Symbol.dispose]();
        return peer;
      }),
    );
    // Our end closes by itself, though the peer is still connected and still not reading.
    for (let i = 0; i < 100 && netMetrics().liveSockets > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(netMetrics().liveSockets).toBe(0);
    client.destroy();
    expect(await settled()).toEqual({ liveSockets: 0, liveListeners: 0 });
  });
});
