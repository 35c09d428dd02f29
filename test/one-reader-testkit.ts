/**
 * What the one-reader tests share: how a refused task is read. A second reader of a receiver,
 * socket or pipe end panics with a `FutureStateError`; these tests take its message from the
 * task's handle.
 */
import { FutureStateError, type JoinError, type JoinHandle, type Suspend } from "../src/index.js";

/** The message of the `FutureStateError` a refused task panicked with, or null if it was not. */
export function* refusal(handle: JoinHandle<unknown>): Generator<Suspend, string | null, unknown> {
  try {
    yield* handle;
    return null;
  } catch (e) {
    const cause = (e as JoinError).cause;
    return cause instanceof FutureStateError ? cause.message : `other: ${String(cause)}`;
  }
}
