import { readFileSync, writeFileSync } from "node:fs";
import "../src/kitchen/node-host.js";
import { describe, expect, it } from "vitest";
import { playScene } from "../src/kitchen/play.js";
import type { Recording } from "../src/kitchen/recording.js";
import { SCENES } from "../src/kitchen/scenes/index.js";
import { transcript } from "../src/kitchen/transcript.js";

/**
 * Golden transcripts: each scene's story (and its --explain form) in paused time, checked in under
 * test/golden/. Regenerate after an intended change with `UPDATE_GOLDEN=1 npx vitest run
 * test/kitchen-scenes.test.ts`, and read the diff.
 *
 * One thing in a transcript is real, not virtual, and is masked: how long a blocking poll really
 * held the thread (in the long-poll warning). Comparing recordings, the events' real-time fields
 * (`wall`, `duration`, and `at`, which the kitchen restamps with the scene's clock) are ignored.
 */
const GOLDEN = new URL("./golden/", import.meta.url);
const update = process.env.UPDATE_GOLDEN === "1";

function mask(recordings: Recording[]): Recording[] {
  return recordings.map((r) => ({
    ...r,
    entries: r.entries.map((e) =>
      e.type === "event" && e.event.kind === "warning"
        ? {
            ...e,
            event: {
              ...e.event,
              message: e.event.message.replace(
                /held the thread for [\d.,]+ ms/,
                "held the thread for <real> ms",
              ),
            },
          }
        : e,
    ),
  }));
}

function check(name: string, text: string): void {
  const file = new URL(name, GOLDEN);
  if (update) {
    writeFileSync(file, text);
    return;
  }
  expect(text).toBe(readFileSync(file, "utf8"));
}

describe("each scene's story in paused time (golden)", () => {
  for (const scene of SCENES) {
    it(`${scene.id}: the story lines and their timestamps match test/golden/kitchen-${scene.id}.txt`, async () => {
      const recordings = mask(await playScene(scene, "paused"));
      check(`kitchen-${scene.id}.txt`, `${transcript(scene, recordings).join("\n")}\n`);
      const explained = transcript(scene, recordings, { explain: true }).join("\n");
      check(`kitchen-${scene.id}.explain.txt`, `${explained}\n`);
    });
  }

  it("playing a scene twice gives the same recording, event for event", async () => {
    for (const id of ["spawn", "select", "order"]) {
      const scene = SCENES.find((s) => s.id === id)!;
      const strip = (rs: Recording[]) =>
        rs.map((r) =>
          r.entries.map((e) =>
            e.type === "event" ? { ...e, event: { ...e.event, at: 0, wall: 0, duration: 0 } } : e,
          ),
        );
      expect(strip(await playScene(scene, "paused"))).toEqual(
        strip(await playScene(scene, "paused")),
      );
    }
  });
});
