/**
 * Open bridges: the hand-written leaves' lines to next door (`openBridge()`, src/future/bridge.ts)
 * that are open right now, each with the task that opened it. The runtime counts every bridge;
 * this list is for telling the user which ones, when it matters: a paused clock held still for a
 * second (a `"clock-held"` warning), or Node out of work while one is still open (a
 * `DeadlockError`). A leaf that completes or is dropped without closing its bridge is the usual
 * cause, and the task that opened it is where to look.
 */

/** A bridge as the list sees it: what it stands for. */
interface Bridge {
  readonly kind: "reply" | "event";
}

/** Bridges named in a note, at most; the rest are counted. */
const SHOWN = 5;

export class OpenBridges {
  /** Each open bridge, with the name of the task whose poll opened it (`null`: no task's). */
  private readonly openedBy = new Map<Bridge, string | null>();

  /** `bridge` opened in the poll of the task named `task` (`null` outside any task's poll). */
  open(bridge: Bridge, task: string | null): void {
    this.openedBy.set(bridge, task);
  }

  /** `bridge` closed. */
  close(bridge: Bridge): void {
    this.openedBy.delete(bridge);
  }

  /**
   * A sentence naming the open bridges of `kind` (every kind when `null`) and their tasks, to add
   * to a report (`openBridge("reply") in task 'main'`), or `""` when there are none. `why` says
   * what that means where the sentence is read.
   */
  note(kind: "reply" | "event" | null, why: string): string {
    const labels: string[] = [];
    let more = 0;
    for (const [b, task] of this.openedBy) {
      if (kind !== null && b.kind !== kind) continue;
      if (labels.length >= SHOWN) more++;
      else
        labels.push(
          `openBridge("${b.kind}") in ${task === null ? "a poll outside any task" : `task '${task}'`}`,
        );
    }
    if (labels.length === 0) return "";
    const list = more > 0 ? `${labels.join(", ")} and ${more} more` : labels.join(", ");
    return ` Open bridges from openBridge(): ${list}. ${why}`;
  }
}
