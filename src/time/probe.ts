/**
 * What the diagnostics see of the bells: every timer registered (by which task, for when), fired
 * or cancelled, and which wakes a timer made. The runtime attaches a {@link TimerProbe} to its time
 * driver only while it is instrumented; otherwise the timer paths pay one null check.
 *
 * Timer ids are given out here, on first sight, and kept in a WeakMap, so a sleep carries no id
 * field when nobody watches. Times are on the runtime's clock (ms since it started), like the
 * other runtime events, so `deadline - at` of a registration is the timer's duration.
 */
import { wakeAs } from "../future/ambient.js";
import type { Waker } from "../future/waker.js";
import { Task } from "../task/task.js";
import { hostNow } from "./clock.js";
import type { TimerEntry } from "./wheel.js";

/** The events this layer reports: the timer kinds of the runtime's `RuntimeEvent` (runtime/events.ts). */
export type TimerEvent =
  | {
      kind: "timer-register";
      at: number;
      wall: number;
      timer: number;
      task: number | null;
      deadline: number;
    }
  | { kind: "timer-fire"; at: number; wall: number; timer: number }
  | { kind: "timer-cancel"; at: number; wall: number; timer: number };

/** The driver's view of an attached probe. */
export interface TimerProbe {
  /** `entry` was put on the wheel for tick `when`, by the poller whose context owner is `owner`. */
  registered(entry: TimerEntry, when: number, owner: unknown): void;
  /** `entry` was taken off the wheel before it fired. */
  cancelled(entry: TimerEntry): void;
  /** `entry` fired: report it, and wake `waker` as the timer's wake. */
  fired(entry: TimerEntry, waker: Waker): void;
}

/**
 * A probe reporting timer events to `emit`, stamped with `now()` (the runtime's clock) and with
 * deadlines moved onto that clock by subtracting `origin` (the driver's time at the runtime's start).
 *
 * @example
 * ```ts
 * driver.probe = timerProbe((e) => probe.emit(e), () => rt.now(), driver.origin);
 * ```
 */
export function timerProbe(
  emit: (event: TimerEvent) => void,
  now: () => number,
  origin: number,
): TimerProbe {
  const ids = new WeakMap<TimerEntry, number>();
  let nextId = 1;
  const idOf = (entry: TimerEntry): number => {
    let id = ids.get(entry);
    if (id === undefined) {
      id = nextId++;
      ids.set(entry, id);
    }
    return id;
  };
  return {
    registered(entry, when, owner) {
      emit({
        kind: "timer-register",
        at: now(),
        wall: hostNow(),
        timer: idOf(entry),
        task: owner instanceof Task ? owner.id : null,
        deadline: when - origin,
      });
    },
    cancelled(entry) {
      emit({ kind: "timer-cancel", at: now(), wall: hostNow(), timer: idOf(entry) });
    },
    fired(entry, waker) {
      const timer = idOf(entry);
      emit({ kind: "timer-fire", at: now(), wall: hostNow(), timer });
      wakeAs({ kind: "timer", timer }, waker);
    },
  };
}
