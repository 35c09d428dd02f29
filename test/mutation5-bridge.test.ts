/**
 * openBridge() with no argument opens a "reply" bridge (an answer that will come): it holds the
 * paused clock until the callback fires, as an explicit openBridge("reply") does, and is counted
 * among the runtime's pending bridges, not its I/O waits.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Bridge,
  type Context,
  FutureBase,
  Instant,
  openBridge,
  PENDING,
  type Poll,
  Runtime,
  run,
  sleep,
  spawn,
  type Waker,
} from "../src/index.js";

/** A leaf whose answer comes from a host timer after `ms` real milliseconds, bridged by default. */
class DefaultBridgedLeaf extends FutureBase<string> {
  private bridge: Bridge | null = null;
  private answer: string | null = null;
  private waker: Waker | null = null;
  openCounts: { bridges: number; ioWaits: number } | null = null;

  constructor(private readonly ms: number) {
    super();
  }

  poll(cx: Context): Poll<string> {
    if (this.answer !== null) return this.answer;
    this.waker = cx.waker;
    if (this.bridge === null) {
      this.bridge = openBridge();
      const m = Runtime.current().metrics();
      this.openCounts = { bridges: m.pendingBridges, ioWaits: m.ioWaits };
      setTimeout(() => {
        this.answer = "reply";
        this.bridge?.close();
        this.waker?.wake();
      }, this.ms);
    }
    return PENDING;
  }

  [Symbol.dispose](): void {
    this.bridge?.close();
  }
}

describe("openBridge() with no kind", () => {
  it("holds the paused clock like a reply: a 60 s sleep racing a 20 ms callback ends second, and no time passed before the reply", async () => {
    const order: string[] = [];
    let elapsedAtReply = -1;
    const leaf = new DefaultBridgedLeaf(20);
    await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const sleeper = spawn(
          asyncBlock(function* () {
            yield* sleep(60_000);
            order.push("sleep");
          }),
        );
        order.push(yield* leaf);
        elapsedAtReply = t0.elapsed();
        yield* sleeper;
      }),
      { clock: "paused" },
    );
    expect(order).toEqual(["reply", "sleep"]);
    expect(elapsedAtReply).toBe(0);
    expect(leaf.openCounts).toEqual({ bridges: 1, ioWaits: 0 });
  });
});
