/**
 * Helpers of the adversarial net suites (setup futures, the UDP receiver): plain Node peers closed
 * after each test, the rejection of a handle, a context whose waker counts its wakes, a real-time
 * turn.
 */
import { afterEach } from "vitest";
import { Context } from "../src/future/context.js";
import { Waker } from "../src/future/waker.js";

/** Plain Node peers opened by a test, closed (and waited for) after it. */
export const peers: { close(): Promise<unknown> }[] = [];

/** Close every peer a test opened, after each test of the calling file. */
export function closePeersAfterEach(): void {
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });
}

/** The error a JoinHandle (a thenable) rejects with, or `null`. */
export async function rejection(h: PromiseLike<unknown>): Promise<unknown> {
  try {
    await h;
    return null;
  } catch (e) {
    return e;
  }
}

/** A hand-made context whose waker counts its wakes and resolves `woken` at the first. */
export function probe() {
  let wakes = 0;
  let resolve!: () => void;
  const woken = new Promise<void>((r) => {
    resolve = r;
  });
  const cx = new Context(
    Waker.from(() => {
      wakes++;
      resolve();
    }),
  );
  return {
    cx,
    woken,
    get wakes() {
      return wakes;
    },
  };
}

/** A real-time pause of `ms` (a host turn when 0). */
export const turn = (ms = 0) => new Promise((r) => setTimeout(r, ms));
