/**
 * One reader at a time: a receiver keeps one pager (mpsc, broadcast and oneshot receivers each
 * wait in one slot), as tokio's `&mut rx` guarantees at compile time. Were a second chef to hang
 * his pager on the same hook while the first still waits, the first would never be paged again:
 * the worker pool that is really one worker, and hangs at the close. JavaScript cannot borrow, so
 * the receiver checks at the moment it would happen, and refuses the second wait with an error
 * naming both readers.
 *
 * A reader is a task, or a native `for await` loop over the receiver. One task's several waits (the
 * branches of a `join`, a `select`'s `rest` and a new `recv()`) share the slot as before: the one
 * that waited last is woken (so inside `joinAll` or a `FuturesUnordered`, which poll only the
 * woken branch, two waits on one receiver leave the other asleep: give each its own receiver). A
 * wait left behind by a reader that is done (a task that ended with a `select`'s `rest` still
 * registered) is no one's: the slot is free to take. A detached cleanup polls for the task it
 * cleans up after, and is still waiting while its own task runs, even once that task has ended.
 */
import type { Context } from "../future/context.js";
import { FutureStateError } from "../future/errors.js";
import { currentTask } from "../sync/deadlock.js";
import { QUEUED, type WaitNode, type WaitQueue } from "../sync/waiter.js";
import { Task } from "../task/task.js";

/** A reader that is not a task: a native `for await` over the receiver (iterate.ts). */
export interface NativeReader {
  /** How the error names it: "a native for await loop". */
  readonly readerLabel: string;
  /** Whether it waits on the receiver now. */
  isReading(): boolean;
}

function isNativeReader(x: unknown): x is NativeReader {
  return typeof (x as NativeReader | null)?.readerLabel === "string";
}

/** How the error names a reader. */
function labelOf(reader: Task<any> | NativeReader): string {
  return reader instanceof Task ? `task '${reader.name}'` : reader.readerLabel;
}

/** What the error says about the thing waited on, and how to share it instead. */
export interface ReaderRule {
  /** "this receiver". */
  readonly subject: string;
  /** How the first reader may be waiting: "by a recv() there, a select's rest holding one, …". */
  readonly how: string;
  /** The rule and what to do instead. */
  readonly advice: string;
}

/**
 * Throw if the wait parked (by the poll whose owner was `waitingOwner`, keeping `waitingWaker`)
 * belongs to a reader other than `owner`'s (the poll about to park), and that reader still waits.
 * Pollers that are neither tasks nor native readers (a future polled by hand) are not checked.
 * `what` names the call ("mpsc rx.recv()").
 */
export function refuseSecondReader(
  waitingOwner: unknown,
  waitingWaker: unknown,
  owner: unknown,
  what: string,
  rule: ReaderRule,
): void {
  const first = currentTask(waitingOwner) ?? (isNativeReader(waitingOwner) ? waitingOwner : null);
  const second = currentTask(owner) ?? (isNativeReader(owner) ? owner : null);
  if (first === null || second === null || first === second) return;
  // Still waiting? A wait parked by a task's own poll keeps that task as its waker (a cleanup task
  // is its own, whatever task it polls for); one parked inside a combinator keeps a branch's
  // waker, and then the owner says.
  const waiting =
    waitingWaker instanceof Task
      ? !waitingWaker.isFinished()
      : first instanceof Task
        ? !first.isFinished()
        : first.isReading();
  if (!waiting) return;
  throw new FutureStateError(
    `${what} in ${labelOf(second)}: ${rule.subject} is already waited on by ${labelOf(first)} (${rule.how}). ${rule.advice}`,
  );
}

/** A channel receiver's rule, with `share` saying how to share that kind of channel. */
export function receiverRule(share: string): ReaderRule {
  return {
    subject: "this receiver",
    how: "by a recv() there, a select's rest holding one, or a next() dropped through a stream adapter that does not pass [WITHDRAW] on",
    advice: `A receiver has one reader at a time (tokio's \`&mut rx\`): ${share}`,
  };
}

/**
 * Park `cx`'s waker in a receiver's one `node` (queued in `queue` unless it already is), refusing
 * a second reader: the node's waker is another live reader's when `parkedBy` (the context of the
 * poll that parked last) names one. The caller then records `cx` as its `parkedBy`.
 */
export function parkReader<O>(
  node: WaitNode<O>,
  queue: WaitQueue<O>,
  cx: Context,
  parkedBy: Context | null,
  what: string,
  rule: ReaderRule,
): void {
  const waker = cx.waker;
  if (node.state !== QUEUED) {
    queue.push(node, waker);
    return;
  }
  const parked = node.waker;
  if (parked !== waker) refuseSecondReader(parkedBy?.owner, parked, cx.owner, what, rule);
  node.waker = waker;
}
