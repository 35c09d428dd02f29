/**
 * Shared by the Unix socket tests: fresh socket paths under the system's temporary directory, each
 * removed after the test that asked for it (a test that fails half-way leaves no file behind), and
 * a stale socket file such as a killed server leaves.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

const handedOut: string[] = [];
let count = 0;

/** A path nobody uses yet, removed after the current test. */
export function sockPath(tag: string): string {
  const p = join(tmpdir(), `brigade-test-${process.pid}-${tag}-${count++}.sock`);
  handedOut.push(p);
  return p;
}

/** After each test of the calling file: every path handed out is removed. */
export function removeSocketFilesAfterEach(): void {
  afterEach(() => {
    for (const p of handedOut.splice(0)) rmSync(p, { force: true });
  });
}

/**
 * Leave a stale socket file at `path`: a child process listens there and is killed (SIGKILL) before
 * it can close its listener, so the file stays with nobody listening.
 */
export function leaveStaleSocket(path: string): void {
  const script = `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`;
  spawnSync(process.execPath, ["-e", script], { timeout: 10_000 });
  if (!existsSync(path)) throw new Error(`the child left no socket file at ${path}`);
}
