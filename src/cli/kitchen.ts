/**
 * `brigade kitchen`: plays scenes and prints their story, or their events as JSON, and writes the
 * timeline page and the Chrome trace of what it played; or, with `--serve`, opens the local page.
 *
 * Files are checked for writability before anything plays, so a typo in a path costs no waiting;
 * a failure to write afterwards is still reported as bad input (one line, exit code 2).
 */
import { constants } from "node:fs";
import { access, open, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import "../kitchen/node-host.js";
import { failureLine, Narrator } from "../kitchen/narrator.js";
import { renderPage } from "../kitchen/page.js";
import { playTake, SceneFailedError } from "../kitchen/play.js";
import type { Entry, Recording } from "../kitchen/recording.js";
import type { PlayedScene, Scene } from "../kitchen/scene.js";
import { findScene, SCENES } from "../kitchen/scenes/index.js";
import { type KitchenServer, ListenError, serveKitchen } from "../kitchen/server.js";
import { traceFile } from "../kitchen/trace.js";
import { formatLine, sceneHeader, takeHeader, transcript } from "../kitchen/transcript.js";
import type { KitchenCommand } from "./args.js";
import { UsageError } from "./args.js";
import type { Io } from "./main.js";

/**
 * Run `brigade kitchen` as parsed; resolves with the exit code.
 *
 * @example
 * ```ts
 * await runKitchen(parseArgs(["kitchen", "join"]) as KitchenCommand, io);
 * ```
 */
export async function runKitchen(cmd: KitchenCommand, io: Io): Promise<number> {
  if (cmd.list) {
    for (const s of SCENES) io.out(`${s.id.padEnd(11)} ${s.title}`);
    return 0;
  }
  const scenes = pickScenes(cmd.scenes);
  if (cmd.serve) return serve(cmd, io);
  if (cmd.html !== null && cmd.trace !== null && resolve(cmd.html) === resolve(cmd.trace)) {
    // The trace would be written over the page: one of the two files would be lost.
    throw new UsageError(`--html and --trace both name ${cmd.html}: give each its own file`);
  }
  if (cmd.html !== null) await checkWritable(cmd.html, "--html");
  if (cmd.trace !== null) await checkWritable(cmd.trace, "--trace");
  const played: PlayedScene[] = [];
  for (let i = 0; i < scenes.length; i++) {
    const scene = scenes[i]!;
    const position = scenes.length > 1 ? { index: i + 1, total: scenes.length } : undefined;
    let recordings: Recording[];
    try {
      recordings = await playOne(scene, cmd, io, position);
    } catch (e) {
      if (e instanceof SceneFailedError) {
        io.err(`brigade: ${e.message}`);
        return 1;
      }
      throw e;
    }
    played.push({ scene, recordings });
  }
  // Said on stderr, so that the story on stdout stays the story (`--json | jq` included).
  if (cmd.html !== null) {
    await writeOut(cmd.html, "--html", renderPage(played));
    io.err(`brigade: wrote the timeline page to ${cmd.html}`);
  }
  if (cmd.trace !== null) {
    await writeOut(cmd.trace, "--trace", traceFile(played));
    io.err(`brigade: wrote the Chrome trace to ${cmd.trace} (open it in ui.perfetto.dev)`);
  }
  return 0;
}

/**
 * The scenes named on the command line (all of them when none is), each once: `join join` plays
 * `join` once, so a trace or recording never holds the same scene twice.
 */
function pickScenes(ids: readonly string[]): Scene[] {
  if (ids.length === 0) return [...SCENES];
  return [...new Set(ids)].map((id) => {
    const scene = findScene(id);
    if (scene === undefined) {
      throw new UsageError(`unknown scene '${id}' (scenes: ${SCENES.map((s) => s.id).join(", ")})`);
    }
    return scene;
  });
}

/**
 * Play one scene and print it. In paused time the scene is printed once it has run (in moments);
 * in real time its lines are printed as they happen, so the story can be watched.
 */
async function playOne(
  scene: Scene,
  cmd: KitchenCommand,
  io: Io,
  position: { index: number; total: number } | undefined,
): Promise<Recording[]> {
  const clock = cmd.realtime ? "real" : "paused";
  const color = io.isTTY;
  const recordings: Recording[] = [];
  if (cmd.json) {
    for (const take of scene.takes) {
      const line = (e: Entry) => JSON.stringify({ scene: scene.id, take: take.label, ...e });
      // On the real clock each entry is printed as it happens, as the story is; paused, at once.
      const r = cmd.realtime
        ? await playTake(scene, take, clock, (e) => io.out(line(e)))
        : await playTake(scene, take, clock);
      recordings.push(r);
      if (!cmd.realtime) for (const e of r.entries) io.out(line(e));
      if (r.failure !== null) {
        io.out(JSON.stringify({ scene: r.scene, take: r.take, type: "failure", error: r.failure }));
      }
    }
    return recordings;
  }
  if (!cmd.realtime) {
    for (const take of scene.takes) recordings.push(await playTake(scene, take, clock));
    for (const l of transcript(scene, recordings, { explain: cmd.explain, color, position })) {
      io.out(l);
    }
    return recordings;
  }
  for (const l of sceneHeader(scene, { color, position })) io.out(l);
  for (const take of scene.takes) {
    if (take.label !== null && scene.takes.length > 1) io.out(takeHeader(take.label, color));
    const narrator = new Narrator({ explain: cmd.explain });
    const r = await playTake(scene, take, clock, (entry) => {
      for (const line of narrator.feed(entry)) for (const l of formatLine(line, color)) io.out(l);
    });
    if (r.failure !== null) for (const l of formatLine(failureLine(r), color)) io.out(l);
    io.out("");
    recordings.push(r);
  }
  return recordings;
}

async function serve(cmd: KitchenCommand, io: Io): Promise<number> {
  let server: KitchenServer;
  try {
    server = await serveKitchen({ port: cmd.port });
  } catch (e) {
    if (e instanceof ListenError) throw new UsageError(`--serve: ${e.message}`);
    throw e;
  }
  io.out(`🍳 The kitchen is open at ${server.url} (Ctrl+C to close it)`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.close().then(done, done);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}

/**
 * Fail early, with one line, if `file` cannot be written. The permission bits (`access`) are asked
 * first for a clear reason, but they let root write anywhere, and a read-only mount or a directory
 * like /proc still refuses: the file is then opened for real. One this check creates is removed
 * again, so a run that fails leaves nothing behind, and an existing one is opened without being
 * cut short.
 */
async function checkWritable(file: string, option: string): Promise<void> {
  const path = resolve(file);
  let exists = true;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new UsageError(`${option} ${file}: is a directory`);
    await access(path, constants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new UsageError(`${option} ${file}: cannot write it (${errorCode(e)})`);
    }
    exists = false;
  }
  if (!exists) {
    try {
      const dir = await stat(dirname(path));
      if (!dir.isDirectory()) throw new Error("ENOTDIR");
      await access(dirname(path), constants.W_OK);
    } catch (e) {
      throw new UsageError(
        `${option} ${file}: cannot write it (${errorCode(e) === "ENOENT" ? "no such directory" : errorCode(e)})`,
      );
    }
  }
  try {
    const handle = await open(path, exists ? "a" : "wx");
    await handle.close();
    if (!exists) await unlink(path);
  } catch (e) {
    throw new UsageError(`${option} ${file}: cannot write it (${errorCode(e)})`);
  }
}

async function writeOut(file: string, option: string, content: string): Promise<void> {
  try {
    await writeFile(file, content);
  } catch (e) {
    throw new UsageError(`${option} ${file}: cannot write it (${errorCode(e)})`);
  }
}

function errorCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === "string") return code;
  return e instanceof Error ? e.message : String(e);
}
