/**
 * Live tasks: every chef still on shift. The runtime counts each task from spawn to completion,
 * and keeps a list for dumps, deadlock reports and shutdown, which must find every one.
 *
 * The list holds only the tasks that have waited at least once (`LISTED`): any other live task is
 * in the run queue or is the one being polled. A task that finishes in the poll after its spawn,
 * the common short task, so never touches the list (linking and unlinking every task cost a tenth
 * of the spawn benchmark, W1). {@link gather} finds all three kinds, in spawn order.
 *
 * The list is an array, and each listed task keeps its index (`liveIndex`): one field per task
 * rather than two links (a task's bytes are copied by every young-generation collection it
 * survives). Removal moves the last task into the hole, so the array is not in spawn order.
 */
import { COMPLETE, LISTED } from "../task/state.js";
import type { Task } from "../task/task.js";
import type { RunQueue } from "./run-queue.js";

export class LiveTasks {
  /** The listed tasks, each at its `liveIndex`. */
  private readonly tasks: Task<any>[] = [];
  /** Tasks spawned and not complete. */
  count = 0;

  /** A poll left `task` idle for the first time: put it on the list. */
  list(task: Task<any>): void {
    task.state |= LISTED;
    task.liveIndex = this.tasks.length;
    this.tasks.push(task);
  }

  /** `task` is complete: off the list if it was on it, and no longer counted. */
  completed(task: Task<any>): void {
    this.count--;
    if ((task.state & LISTED) === 0) return;
    task.state &= ~LISTED;
    const tasks = this.tasks;
    const i = task.liveIndex;
    const last = tasks.pop()!;
    if (last !== task) {
      tasks[i] = last;
      last.liveIndex = i;
    }
    task.liveIndex = -1;
  }

  /** Every live task, in spawn order: the listed ones, the queued ones and the one being polled. */
  gather(queue: RunQueue, polling: Task<any> | null): Task<any>[] {
    const out: Task<any>[] = this.tasks.slice();
    queue.forEach((t) => {
      if ((t.state & (LISTED | COMPLETE)) === 0) out.push(t);
    });
    if (polling !== null && (polling.state & (LISTED | COMPLETE)) === 0) out.push(polling);
    return out.sort((a, b) => a.id - b.id);
  }
}
