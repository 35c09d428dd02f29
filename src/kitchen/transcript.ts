/**
 * The transcript: a scene's narration as terminal text. A time column on the left (the scene's
 * clock), the story lines, and with `--explain` the machinery lines under them; a scene whose takes
 * compare a mistake with its fix prints them side by side. Colours are ANSI escapes, added only
 * when asked (the CLI asks when stdout is a terminal).
 */
import { formatTime, type Line, narrate } from "./narrator.js";
import type { Recording } from "./recording.js";
import type { Scene } from "./scene.js";

/** Options of `transcript`. */
export interface TranscriptOptions {
  /** @default false */
  explain?: boolean;
  /** Use ANSI colours. @default false */
  color?: boolean;
  /** "3/9" in the header: the scene's place in the tour. */
  position?: { index: number; total: number };
}

const BLANK_TIME = " ".repeat(9);
const GAP = "   ";
const MAX_COLUMN = 58;

/**
 * The terminal lines of one scene.
 *
 * @example
 * ```ts
 * for (const l of transcript(scene, await playScene(scene, "paused"))) console.log(l);
 * ```
 */
export function transcript(
  scene: Scene,
  recordings: readonly Recording[],
  options: TranscriptOptions = {},
): string[] {
  const paint = options.color === true ? ansi : plain;
  const out = sceneHeader(scene, options);
  const explain = options.explain === true;
  const blocks = recordings.map((r) => ({
    label: r.take,
    lines: renderLines(narrate(r, { explain }), plain),
    painted: renderLines(narrate(r, { explain }), paint),
  }));
  const columns = explain ? 0 : Math.min(scene.sideBySide ?? 0, blocks.length);
  if (columns > 1) {
    out.push(...sideBySide(blocks.slice(0, columns), paint));
    out.push("");
  }
  for (const b of blocks.slice(columns > 1 ? columns : 0)) {
    if (b.label !== null && blocks.length > 1) out.push(paint("take", `▸ ${b.label}`));
    out.push(...b.painted);
    if (blocks.length > 1) out.push("");
  }
  if (out.at(-1) !== "") out.push("");
  return out;
}

/**
 * The lines above a scene: its title (with its place in the tour) and its blurb.
 *
 * @example
 * ```ts
 * sceneHeader(scene, { position: { index: 2, total: 9 } })[0]; // "━━━ 2/9 · One chef, two dishes (join) ━━━"
 * ```
 */
export function sceneHeader(scene: Scene, options: TranscriptOptions = {}): string[] {
  const paint = options.color === true ? ansi : plain;
  const pos = options.position;
  const head = `${pos === undefined ? "" : `${pos.index}/${pos.total} · `}${scene.title}`;
  return [paint("title", `━━━ ${head} ━━━`), paint("blurb", scene.blurb), ""];
}

/**
 * One narration line as terminal text (a multi-line block gives several).
 *
 * @example
 * ```ts
 * formatLine({ seq: 0, at: 0, layer: "story", text: "hi" }); // ["  0.000 s  hi"]
 * ```
 */
export function formatLine(line: Line, color = false): string[] {
  return renderLines([line], color ? ansi : plain);
}

/**
 * The heading of one take, when a scene has several.
 *
 * @example
 * ```ts
 * takeHeader("the fix: sets a timer (sleep)"); // "▸ the fix: sets a timer (sleep)"
 * ```
 */
export function takeHeader(label: string, color = false): string {
  return (color ? ansi : plain)("take", `▸ ${label}`);
}

type Style = "title" | "blurb" | "take" | "time" | Line["layer"];
type Paint = (style: Style, text: string) => string;

const plain: Paint = (_style, text) => text;

const CODES: Record<Style, string> = {
  title: "1;33",
  blurb: "2",
  take: "1;36",
  time: "2",
  story: "0",
  machine: "2;36",
  show: "0",
  warning: "1;33",
  failure: "1;31",
};

const ansi: Paint = (style, text) =>
  style === "story" || style === "show" ? text : `\u001b[${CODES[style]}m${text}\u001b[0m`;

function renderLines(lines: readonly Line[], paint: Paint): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const time = l.at === null ? BLANK_TIME : paint("time", formatTime(l.at));
    const text = l.layer === "machine" ? `┆ ${l.text}` : l.text;
    const parts = text.split("\n");
    out.push(`${time}  ${paint(l.layer, parts[0]!)}`);
    for (const p of parts.slice(1)) out.push(`${BLANK_TIME}  ${paint(l.layer, p)}`);
  }
  return out;
}

function sideBySide(blocks: { label: string | null; lines: string[] }[], paint: Paint): string[] {
  const width = Math.min(
    MAX_COLUMN,
    Math.max(
      ...blocks.map((b) => Math.max(displayWidth(b.label ?? ""), ...b.lines.map(displayWidth))),
    ),
  );
  const cells = blocks.map((b) => [
    `▸ ${b.label ?? ""}`,
    ...b.lines.flatMap((l) => wrap(l, width)),
  ]);
  const height = Math.max(...cells.map((c) => c.length));
  const out: string[] = [];
  for (let row = 0; row < height; row++) {
    const parts = cells.map((c, i) => {
      const cell = c[row] ?? "";
      const padded = i === cells.length - 1 ? cell : cell + " ".repeat(width - displayWidth(cell));
      return row === 0 ? paint("take", padded) : padded;
    });
    out.push(parts.join(GAP).trimEnd());
  }
  return out;
}

/** Cut a line into pieces of at most `width` columns, continuing under the text column. */
function wrap(line: string, width: number): string[] {
  if (displayWidth(line) <= width) return [line];
  const out: string[] = [];
  let rest = line;
  while (displayWidth(rest) > width) {
    let cut = 0;
    let w = 0;
    for (const ch of rest) {
      const cw = displayWidth(ch);
      if (w + cw > width) break;
      w += cw;
      cut += ch.length;
    }
    const space = rest.lastIndexOf(" ", cut);
    const at = space > BLANK_TIME.length + 4 ? space : cut;
    out.push(rest.slice(0, at));
    rest = `${BLANK_TIME}    ${rest.slice(at).trimStart()}`;
  }
  out.push(rest);
  return out;
}

/**
 * How many terminal columns a string takes: emoji take two, joiners and variation selectors none.
 *
 * @example
 * ```ts
 * displayWidth("🍽️ Pasta"); // 8
 * ```
 */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x200d || (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0x300 && c <= 0x36f)) continue;
    w += isWide(c) ? 2 : 1;
  }
  return w;
}

const WIDE_BMP = new Set([
  0x231a, 0x231b, 0x23e9, 0x23ea, 0x23eb, 0x23ec, 0x23f0, 0x23f3, 0x25fd, 0x25fe, 0x2614, 0x2615,
  0x267f, 0x2693, 0x26a1, 0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5, 0x26ce, 0x26d4, 0x26ea,
  0x26f2, 0x26f3, 0x26f5, 0x26fa, 0x26fd, 0x2705, 0x270a, 0x270b, 0x2728, 0x274c, 0x274e, 0x2753,
  0x2754, 0x2755, 0x2757, 0x2795, 0x2796, 0x2797, 0x27b0, 0x27bf, 0x2b1b, 0x2b1c, 0x2b50, 0x2b55,
]);

function isWide(c: number): boolean {
  return c >= 0x1f000 || WIDE_BMP.has(c) || (c >= 0x1100 && c <= 0x115f);
}
