/**
 * One reader at a time: a receiver keeps one pager (mpsc, broadcast and oneshot receivers each
 * wait in one slot), as tokio's `&mut rx` guarantees at compile time. Were a second chef to hang
 * his pager on the same hook while the first still waits, the first would never be paged again:
 * the worker pool that is really one worker, and hangs at the close. JavaScript cannot borrow, so
 * the receiver checks at the moment it would happen, and refuses the second wait with an error
 * naming both tasks. One task's several waits (branches of a `join`, a `select`'s `rest` and a new
 * `recv()`) share its pager, and stay allowed; so does a wait left behind by a task that has ended.
 */
import { FutureStateError } from "../future/errors.js";
import { currentTask } from "../sync/deadlock.js";

/**
 * Throw if `waiting` (the owner of the poll that parked on the receiver last, still parked) is a
 * live task other than `owner` (the one about to park). `what` names the call ("mpsc
 * rx.recv()"); `advice` says how to share the channel instead.
 */
export function refuseSecondReader(
  waiting: unknown,
  owner: unknown,
  what: string,
  advice: string,
): void {
  const first = currentTask(waiting);
  const second = currentTask(owner);
  // A task that has ended waits on nothing: its wait was left behind (a `select`'s `rest` that
  // nobody disposed), and the slot is free to take.
  if (first === null || second === null || first === second || first.isFinished()) return;
  throw new FutureStateError(
    `${what} in task '${second.name}': this receiver is already waited on by task '${first.name}' (by a recv() there, or a select's rest holding one). A receiver has one reader at a time (tokio's \`&mut rx\`): ${advice}`,
  );
}
