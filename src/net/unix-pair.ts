/**
 * `UnixStream.pair()`: two intercoms wired to each other, tokio's `UnixStream::pair`. Node has no
 * `socketpair(2)`, so this binds a listener on a fresh path in the temporary directory, connects,
 * accepts, and disposes the listener, which removes the file (unix-listener.ts). The streams that
 * come out are both reported unnamed, as socketpair's are: the path is gone by then.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncFn } from "../coroutine/async-fn.js";
import type { FutureBase } from "../future/future.js";
import { UNNAMED } from "./unix-addr.js";
import { UnixListener } from "./unix-listener.js";
import { UnixStream } from "./unix-stream.js";

/** Makes each pair's path unique within the process; the pid and a random part across processes. */
let pairs = 0;

function pairPath(): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return join(tmpdir(), `brigade-pair-${process.pid}-${pairs++}-${rand}.sock`);
}

const makePair = asyncFn(function* unixPair() {
  const listener = yield* UnixListener.bind(pairPath(), { backlog: 1 });
  let client: UnixStream | null = null;
  try {
    // A Unix connect completes once the connection is queued, before the accept.
    client = yield* UnixStream.connect(listener.localAddr().path!);
    const server = yield* listener.accept();
    const a = rename(client);
    client = null;
    return [a, rename(server)] as [UnixStream, UnixStream];
  } finally {
    // Dropped, or failed, half-way: the end already made goes too.
    client?.[Symbol.dispose]();
    listener[Symbol.dispose]();
  }
});

/** The same connection, reported unnamed at both ends (the path is about to be removed). */
function rename(stream: UnixStream): UnixStream {
  return stream.withAddrs(UNNAMED, UNNAMED);
}

/**
 * @internal the future behind `UnixStream.pair()`.
 *
 * @example
 * ```ts
 * const [a, b] = yield* unixPair();
 * ```
 */
export function unixPair(): FutureBase<[UnixStream, UnixStream]> & Disposable {
  return makePair();
}
