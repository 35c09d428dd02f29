/**
 * Open bridges: the hand-written leaves' lines to next door (`openBridge()`, src/future/bridge.ts)
 * that are open right now, each with the task that opened it. The runtime counts every bridge;
 * this list is for telling the user which ones, when it matters: a paused clock held still for a
 * second (a `"clock-held"` warning), or Node out of work while one is still open (a
 * `DeadlockError`). A leaf that completes or is dropped without closing its bridge is the usual
 * cause, and the task that opened it is where to look.
 */

/** What the list knows of a bridge. */
interface OpenBridge {
  /** `openBridge("reply") in task 'main'`. */
  readonly label: string;
  readonly kind: "reply" | "event";
}

/** Bridges named in a note, at most; the rest are counted. */
const SHOWN = 5;

export class OpenBridges {
  private readonly bridges = new Map<object, OpenBridge>();

  /** `bridge` opened: a `"reply"` or an `"event"`, `label` naming it and its task. */
  open(bridge: object, kind: "reply" | "event", label: string): void {
    this.bridges.set(bridge, { kind, label });
  }

  /** `bridge` closed. */
  close(bridge: object): void {
    this.bridges.delete(bridge);
  }

  /**
   * A sentence naming the open bridges of `kind` (every kind when `null`), to add to a report, or
   * `""` when there are none. `why` says what that means where the sentence is read.
   */
  note(kind: "reply" | "event" | null, why: string): string {
    const labels: string[] = [];
    let more = 0;
    for (const b of this.bridges.values()) {
      if (kind !== null && b.kind !== kind) continue;
      if (labels.length < SHOWN) labels.push(b.label);
      else more++;
    }
    if (labels.length === 0) return "";
    const list = more > 0 ? `${labels.join(", ")} and ${more} more` : labels.join(", ");
    return ` Open bridges from openBridge(): ${list}. ${why}`;
  }
}
