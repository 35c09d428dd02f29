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
});
