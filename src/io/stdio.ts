/**
 * stdin, stdout and stderr: this program's own three hatches, as an `AsyncRead` and two
 * `AsyncWrite`s (tokio's `io::stdin()`, `stdout()`, `stderr()`), over `process.stdin`,
 * `process.stdout` and `process.stderr`.
 *
 * The handles do not own the streams: disposing one removes its listeners (and pauses stdin, so the
 * program can exit while the terminal or the pipe stays open), and `shutdown` only flushes. Each
 * call makes a new handle; keep one reader of stdin at a time, as for any stream.
 */
import { NodeReader } from "./node-reader.js";
import { NodeWriter } from "./node-writer.js";

/**
 * This program's standard input as an `AsyncRead`.
 *
 * @example
 * ```ts
 * using input = stdin();
 * for await (const line of new BufReader(input).lines()) console.log(`order: ${line}`);
 * ```
 */
export function stdin(): NodeReader {
  return new NodeReader(process.stdin, { close: false, name: "stdin" });
}

/**
 * This program's standard output as an `AsyncWrite`. Writes wait while a slow reader of the pipe
 * leaves Node's buffer full.
 *
 * @example
 * ```ts
 * using out = stdout();
 * yield* writeAll(out, new TextEncoder().encode("order up\n"));
 * yield* flush(out);
 * ```
 */
export function stdout(): NodeWriter {
  return new NodeWriter(process.stdout, { close: false, name: "stdout" });
}

/**
 * This program's standard error as an `AsyncWrite`.
 *
 * @example
 * ```ts
 * using err = stderr();
 * yield* writeAll(err, new TextEncoder().encode("out of eggs\n"));
 * ```
 */
export function stderr(): NodeWriter {
  return new NodeWriter(process.stderr, { close: false, name: "stderr" });
}
