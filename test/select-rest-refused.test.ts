/**
 * A select's `rest` whose poll throws is not over for that: the one-reader rule refuses a poll from
 * a second task while the first task's wait stands ("already waited on by task 'main'"), and the
 * rest (and the receive inside it) stays the rightful reader's, to poll again or to drop.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, mpsc, run, select, sleep, spawn } from "../src/index.js";

describe("a select's rest refused in another task", () => {
  it("main's receive loses a select; another task polls the rest and is refused; a value is sent; main awaits the rest and gets the value", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(4);
        const r = yield* select(rx.recv(), sleep(5));
        expect(r.index).toBe(1);
        const stray = spawn(
          asyncBlock(function* () {
            try {
              return `stray got ${yield* r.rest}`;
            } catch (e) {
              return `stray refused: ${(e as Error).message}`;
            }
          }),
        );
        const strayOut = yield* stray;
        tx.trySend(1);
        let mainOut: string;
        try {
          mainOut = `main got ${yield* r.rest}`;
        } catch (e) {
          // Before the fix: "the rest of a select was polled after it completed" — it was refused, not
          // completed, and its receive has been dropped.
          mainOut = `main threw: ${(e as Error).message}`;
        }
        return { strayOut, mainOut };
      }),
      { clock: "paused" },
    );
    expect(out.strayOut).toMatch(/stray refused: .*already waited on by task 'main'/);
    expect(out.mainOut).toBe("main got 1");
  });

  it("main keeps its receive future, which lost a select; another task polls the rest and is refused; a value is sent; main's own future still receives it", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(4);
        const recv = rx.recv();
        const r = yield* select(recv, sleep(5));
        expect(r.index).toBe(1);
        const stray = spawn(
          asyncBlock(function* () {
            try {
              yield* r.rest;
              return "stray got it";
            } catch {
              return "stray refused";
            }
          }),
        );
        const strayOut = yield* stray;
        tx.trySend(1);
        try {
          const again = yield* select(recv, sleep(20));
          return { strayOut, main: again.index === 0 ? `got ${again.value}` : "timed out" };
        } catch (e) {
          // Before the fix: "rx.recv() was polled after it completed or was dropped": the refused rest
          // dropped the caller's own future (the disposeQuietly added in c6715d4).
          return { strayOut, main: `threw: ${(e as Error).message}` };
        }
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ strayOut: "stray refused", main: "got 1" });
  });
});
