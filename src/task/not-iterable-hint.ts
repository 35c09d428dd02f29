/**
 * A hint for the commonest slip in an async fn: `yield*` of something that is not a Brigade future
 * (a Promise, a plain object with a `poll` method). JavaScript throws a bare "object is not
 * iterable" from inside the body, which says nothing about futures. When a task panics with that
 * `TypeError`, the message (and the stack's first line) gets a sentence saying what `yield*` takes,
 * worded as an "if": the same error comes from a `for…of` or a spread over something that is not
 * iterable. An error is explained once.
 */

/** V8's words for a value that cannot be iterated (`yield*`, `for…of`, spread). */
const NOT_ITERABLE = /is not iterable/;

const HINT =
  " (if this is a yield* in an async fn: yield* takes a Brigade future, such as an async fn's call or a FutureBase; a Promise is awaited with yield* fromPromise(() => promise), and a hand-written future extends FutureBase)";

/** Errors already explained (a panic can be seen by a task, then by the run that awaits it). */
const explained = new WeakSet<object>();

/** Add the hint to `error` if it is such a `TypeError`; returns `error` either way. */
export function explainNotIterable(error: unknown): unknown {
  if (!(error instanceof TypeError) || explained.has(error)) return error;
  const message = error.message;
  if (!NOT_ITERABLE.test(message)) return error;
  explained.add(error);
  const head = `${error.name}: ${message}`;
  try {
    // Read first: V8 formats the stack lazily, and would otherwise format it with the new message.
    const stack = error.stack;
    error.message = message + HINT;
    if (typeof stack === "string" && stack.startsWith(head)) {
      error.stack = `${head}${HINT}${stack.slice(head.length)}`;
    }
  } catch {
    // A frozen error keeps its words.
  }
  return error;
}
