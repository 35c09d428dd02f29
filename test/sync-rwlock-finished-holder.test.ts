/**
 * An RwLock held by a task that finished without releasing its guard (kept in a `const`, not a
 * `using`), as a Mutex's wait already said: the deadlock report's leaf says the writer, or which
 * reader, has finished, and no hint about host callbacks follows (the report explains the wait).
 * A writer that is itself waiting is named as the holder, and no hint follows either.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, oneshot, RwLock, run, spawn, yieldNow } from "../src/index.js";
import { deadlockOf } from "./deadlock-testkit.js";

describe("an RwLock whose holder finished without releasing it", () => {
  it("a writer that finished: the write() wait says so, and no callback hint follows", async () => {
    const menu = new RwLock(["soup"], { name: "menu" });
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* spawn(
            asyncBlock(function* forgetful() {
              const g = yield* menu.write(); // never released: const, not using
              g.value.push("stew");
            }),
            { name: "forgetful" },
          );
          using _r = yield* menu.read();
        }),
      ),
    );
    expect(error.message).toMatch(
      /rwlock 'menu'\.read\(\), written by task 'forgetful', which has finished without releasing it \(a guard kept with const instead of using\?\)/,
    );
    expect(error.message).not.toMatch(/cannot see/);
  });

  it("readers, one of them finished: the wait names the readers and which has finished", async () => {
    const menu = new RwLock(0, { name: "menu" });
    const [_tx, rx] = oneshot.channel<void>();
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* spawn(
            asyncBlock(function* forgetful() {
              const g = yield* menu.read(); // never released
              void g;
            }),
            { name: "forgetful" },
          );
          spawn(
            asyncBlock(function* waiter() {
              using _g = yield* menu.read();
              yield* rx; // holds its read guard while it waits for nothing
            }),
            { name: "slow reader" },
          );
          yield* yieldNow();
          using _w = yield* menu.write();
        }),
      ),
    );
    expect(error.message).toMatch(
      /rwlock 'menu'\.write\(\), read by 'forgetful', 'slow reader'; 'forgetful' has finished without releasing \(a guard kept with const instead of using\?\)/,
    );
    expect(error.message).not.toMatch(/cannot see/);
  });

  it("a writer still alive and asleep too: named as the holder, with no 'finished' note and no hint", async () => {
    const menu = new RwLock(0, { name: "menu" });
    const [_tx, rx] = oneshot.channel<void>();
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          spawn(
            asyncBlock(function* hoarder() {
              using _g = yield* menu.write();
              yield* rx;
            }),
            { name: "hoarder" },
          );
          yield* yieldNow();
          using _r = yield* menu.read();
        }),
      ),
    );
    expect(error.message).toMatch(/rwlock 'menu'\.read\(\), written by task 'hoarder'$/m);
    expect(error.message).not.toMatch(/finished without releasing/);
    expect(error.message).not.toMatch(/cannot see/);
  });
});
