/**
 * From a review: d113fcf made Adapter.end (and forEach) let go of an upstream before disposing it, so an
 * upstream whose dispose throws is never polled or disposed again. Its siblings that release an
 * ended stream themselves still dispose first and clear the field after: merge's pollA/pollB
 * (combine.ts:67-84), buffered/bufferUnordered's fill (buffered.ts:142-144) and
 * forEachConcurrent (buffered.ts:222-224). There a throwing dispose leaves the ended stream in
 * place: it is polled after DONE and disposed again at every later poll.
 */
import { describe, expect, it } from "vitest";
import {
  type Context,
  DONE,
  FutureBase,
  PENDING,
  type Poll,
  StreamBase,
  type StreamPoll,
} from "../src/index.js";
import { type Gate, MockTask } from "./future-testkit.js";

/** Ends at once; its dispose throws (a `finally` failing on the way out). Counts both. */
class EndsBadly<T> extends StreamBase<T> {
  polls = 0;
  drops = 0;
  pollNext(_cx: Context): StreamPoll<T> {
    this.polls++;
    return DONE;
  }
  override [Symbol.dispose](): void {
    this.drops++;
    throw new Error("dispose threw");
  }
}

/** A mock task polling `s.pollNext`, errors caught and counted. */
function pollMany<T>(s: StreamBase<T>, n: number): { errors: number; last: unknown } {
  const t = new MockTask(
    new (class extends FutureBase<T | typeof DONE> {
      poll(cx: Context): Poll<T | typeof DONE> {
        return s.pollNext(cx);
      }
    })(),
  );
  let errors = 0;
  let last: unknown;
  for (let i = 0; i < n; i++) {
    try {
      last = t.poll();
    } catch {
      errors++;
    }
  }
  return { errors, last };
}

describe("an ended stream whose dispose throws is let go once, never polled again", () => {
  it("merge: side a ends and its dispose throws; three more polls of the merge neither poll nor dispose a again", () => {
    const a = new EndsBadly<string>();
    const b = new (class extends StreamBase<string> {
      pollNext(): StreamPoll<string> {
        return PENDING;
      }
    })();
    const m = a.merge(b);
    const { errors } = pollMany(m, 4);
    expect(errors).toBe(1); // the dispose error, once
    expect({ polls: a.polls, drops: a.drops }).toEqual({ polls: 1, drops: 1 });
  });

  it("bufferUnordered: the source of futures ends and its dispose throws; later polls neither poll nor dispose it again", () => {
    const src = new EndsBadly<Gate<string>>();
    const s = src.bufferUnordered(2);
    pollMany(s, 4);
    expect({ polls: src.polls, drops: src.drops }).toEqual({ polls: 1, drops: 1 });
  });
});
