/**
 * The timeline page: one self-contained HTML file (no network: styles and script are inline) that
 * draws what was played. Per take: a lane per task with its polls as bars, its idle and queued
 * spans, the reactor's lane with each timer from registration to bell, wake arrows from whoever rang
 * the pager to the chef it woke, the future tree, and the story with the machinery under it.
 * Hovering anything shows the event behind it. A small player replays the take step by step: every
 * drawn element carries the sequence number of the entry it comes from, and the player hides those
 * not reached yet. A shape that lasts also carries the entry that ends it: until the replay gets
 * there it is drawn only up to the current step, a poll still in progress is hollow, a bell that has
 * not rung is not shown, and a future-tree node says what its polls so far said.
 *
 * Everything is rendered here, as strings; the inline script only hides, shows and explains.
 */
import {
  BAR_MIN,
  LABEL_WIDTH,
  LANE_HEIGHT,
  type Layout,
  laneY,
  layout,
  TIMER_ROWS,
} from "./layout.js";
import { explainEvent, formatDuration, formatTime, narrate, type TimerInfo } from "./narrator.js";
import type { Recording } from "./recording.js";
import type { PlayedScene } from "./scene.js";
import { futureTree, nodeStatus, type TreeNode } from "./tree.js";

/** Options of `renderPage`. */
export interface PageOptions {
  /**
   * Start each take empty and play it step by step (the served page); otherwise show it whole.
   * @default false
   */
  autoplay?: boolean;
  /** A link back, e.g. to the served page's scene list. */
  back?: { href: string; label: string };
}

/**
 * The page for what was played.
 *
 * @example
 * ```ts
 * await writeFile("kitchen.html", renderPage([{ scene, recordings }]));
 * ```
 */
export function renderPage(played: readonly PlayedScene[], options: PageOptions = {}): string {
  const sections: string[] = [];
  const nav: string[] = [];
  let n = 0;
  for (const { scene, recordings } of played) {
    for (const r of recordings) {
      n++;
      const id = `take-${n}`;
      const name = r.take === null ? scene.title : `${scene.title} · ${r.take}`;
      nav.push(`<a href="#${id}">${esc(name)}</a>`);
      sections.push(renderTake(id, scene.blurb, name, r));
    }
  }
  const back =
    options.back === undefined
      ? ""
      : `<a class="back" href="${esc(options.back.href)}">${esc(options.back.label)}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Brigade kitchen · timeline</title>
<style>${CSS}</style>
</head>
<body data-autoplay="${options.autoplay === true ? "1" : "0"}">
<header><h1>🍳 Brigade kitchen</h1>${back}
<p class="lead">Every bar is a real poll, every arrow a real wake, recorded from the runtime's instrumentation.</p>
<p class="legend"><span class="k poll-p"></span>poll → Pending <span class="k poll-r"></span>poll → Ready <span class="k poll-o"></span>poll still running (replay) <span class="k idle"></span>idle (set aside) <span class="k queued"></span>woken, queued <span class="k timer"></span>timer on the reactor <span class="arrow bell">⟶</span>wake by a bell, a promise or I/O <span class="arrow task">⟶</span>wake by a task</p>
${nav.length > 1 ? `<nav>${nav.join("")}</nav>` : ""}</header>
<main>
${sections.join("\n")}
</main>
<div id="tip" role="tooltip" hidden></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function renderTake(id: string, blurb: string, name: string, r: Recording): string {
  const l = layout(r);
  const tree = futureTree(r.entries);
  const states = nodeStates(r);
  const clock = r.clock === "paused" ? "paused clock" : "real clock";
  return `<section class="take" id="${id}" data-scene="${esc(r.scene)}">
<h2>${esc(name)}</h2>
<p class="blurb">${esc(blurb)} <span class="clock">(${clock})</span></p>
<div class="player">
<button type="button" data-act="reset" title="back to the start">⏮</button>
<button type="button" data-act="back" title="one step back">◀</button>
<button type="button" data-act="play" title="play">▶ play</button>
<button type="button" data-act="step" title="one step forward">▶|</button>
<input type="range" min="0" value="0" aria-label="step">
<span class="stepinfo"></span>
<label><input type="checkbox" class="machinery" checked> machinery</label>
</div>
<div class="scroll">${renderSvg(l, r)}</div>
${tree.length > 0 ? `<div class="tree"><h3>Future tree</h3>${tree.map((n) => renderNode(n, states)).join("")}</div>` : ""}
${renderStory(r)}
</section>`;
}

function renderSvg(l: Layout, r: Recording): string {
  const info = eventTexts(r);
  const afterLast = (r.entries.at(-1)?.seq ?? -1) + 1;
  const parts: string[] = [];
  parts.push(
    `<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#e07a2f"/></marker></defs>`,
  );
  for (const t of l.ticks) {
    parts.push(
      `<g class="tick"><line x1="${t.x}" x2="${t.x}" y1="18" y2="${l.height}"/><text x="${t.x + 2}" y="12">${esc(formatDuration(t.at))}</text></g>`,
    );
  }
  l.lanes.forEach((lane, i) => {
    const y = laneY(i) - LANE_HEIGHT / 2;
    const cls = lane.task === null ? "lane lane-reactor" : "lane task";
    const data = lane.task === null ? "" : ` data-task="${lane.task}"`;
    parts.push(
      `<g class="${cls}"${data}><rect class="lane-bg" x="0" y="${y}" width="100%" height="${LANE_HEIGHT}"/><text class="lane-label" x="8" y="${laneY(i) + 4}">${esc(truncate(lane.label, 22))}</text></g>`,
    );
  });
  for (const s of l.spans) {
    const y = laneY(laneIndex(l, s.task));
    parts.push(
      `<line class="span ${s.kind}" data-seq="${s.seq}" data-end="${s.endSeq}" data-x1="${s.x1}" data-x2="${s.x2}" data-min="0" x1="${s.x1}" x2="${s.x2}" y1="${y}" y2="${y}"><title>${s.kind === "idle" ? "idle: set aside, waiting for its pager" : "woken: waiting for the manager to poll it"}</title></line>`,
    );
  }
  for (const t of l.timers) {
    const y = laneY(0) + (t.row - (TIMER_ROWS - 1) / 2) * 9;
    const text = info.get(t.seq) ?? `${formatDuration(t.duration)} timer`;
    const width = Math.max(2, t.x2 - t.x1);
    parts.push(
      `<g class="timer ${t.ended}" data-seq="${t.seq}" data-end="${t.endSeq}" data-ended="${t.ended}" data-info="${esc(`${text} (${t.ended})`)}" data-info-done="${esc(`${text} (${t.ended})`)}" data-info-open="${esc(`${text} (set, not rung yet)`)}"><rect data-x1="${t.x1}" data-x2="${t.x1 + width}" data-min="2" x="${t.x1}" y="${y - 3.5}" width="${width}" height="7" rx="3"/>${width > 34 ? `<text class="timer-label" x="${t.x1 + 4}" y="${y + 3}">${esc(formatDuration(t.duration))}</text>` : ""}${t.ended === "fired" ? `<text x="${t.x2 - 5}" y="${y + 4}" class="bell" data-seq="${t.endSeq}">🔔</text>` : ""}<title>${esc(text)}</title></g>`,
    );
  }
  for (const p of l.polls) {
    const y = laneY(laneIndex(l, p.task)) - 10;
    const begun = `${info.get(p.seq) ?? "poll"} at ${formatDuration(p.at)}`;
    const text = `${begun}${p.endSeq >= 0 ? `\n${info.get(p.endSeq) ?? ""}` : ""}`;
    parts.push(
      `<rect class="poll ${p.result}" data-seq="${p.seq}" data-end="${p.endSeq < 0 ? afterLast : p.endSeq}" data-x1="${p.x}" data-x2="${p.x + p.width}" data-min="${BAR_MIN}" data-task="${p.task}" data-info="${esc(text)}" data-info-done="${esc(text)}" data-info-open="${esc(`${begun}\n(still running)`)}" x="${p.x}" y="${y}" width="${p.width}" height="20" rx="3"><title>${esc(text)}</title></rect>`,
    );
  }
  for (const w of l.wakes) {
    const y1 = laneY(w.fromLane);
    const y2 = laneY(w.toLane);
    const dy = y2 - y1;
    const sameLane = dy === 0;
    const d = sameLane
      ? `M${w.x1},${y1 - 10} C${w.x1 + 10},${y1 - 26} ${w.x2 + 14},${y2 - 26} ${w.x2 + 4},${y2 - 11}`
      : `M${w.x1},${y1} C${w.x1 + 8},${y1 + dy / 2} ${w.x2},${y2 - dy / 2} ${w.x2},${y2 + (dy > 0 ? -10 : 10)}`;
    const text = info.get(w.seq) ?? "wake";
    parts.push(
      `<path class="wake from-${w.source}" data-seq="${w.seq}" data-info="${esc(text)}" d="${d}" marker-end="url(#arrow)"><title>${esc(text)}</title></path>`,
    );
  }
  for (const m of l.marks) {
    const y = laneY(m.lane);
    // A task that ended cancelled or panicked is not a dish served: ✗, not ✔.
    const glyph =
      m.kind === "spawn" ? "●" : m.kind === "complete" ? (m.detail === "ok" ? "✔" : "✗") : "⚠";
    const text = info.get(m.seq) ?? m.detail;
    parts.push(
      `<text class="mark ${m.kind}" data-seq="${m.seq}" data-info="${esc(text)}" x="${m.x - 4}" y="${y - 13}">${glyph}<title>${esc(text)}</title></text>`,
    );
  }
  // As wide as the panel, or as the take if that is wider (then the panel scrolls); no viewBox, so
  // a short take is not stretched, and the lane backgrounds (100%) run to the panel's edge.
  // Where the replay has got to, on the x axis, for each entry: a shape still open is drawn to here.
  const xs = [...l.xOfSeq].sort((a, b) => a[0] - b[0]);
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="100%" height="${l.height}" style="min-width: ${l.width}px" data-label-width="${LABEL_WIDTH}" data-xs="${esc(JSON.stringify(xs))}">${parts.join("")}</svg>`;
}

function laneIndex(l: Layout, task: number): number {
  return l.lanes.findIndex((lane) => lane.task === task);
}

/** The machinery text of every event, by seq (what hovering shows). */
function eventTexts(r: Recording): Map<number, string> {
  const names = new Map<number, string>();
  const timers = new Map<number, TimerInfo>();
  const out = new Map<number, string>();
  for (const e of r.entries) {
    if (e.type !== "event") continue;
    if (e.event.kind === "spawn") names.set(e.event.task, e.event.name);
    out.set(e.seq, explainEvent(e.event, names, timers).trim());
  }
  return out;
}

/**
 * What each watched future's status line said after each of its polls, as `[seq, text]` pairs by
 * node: a replay shows the line of the last poll it has reached, not the future's final state.
 */
function nodeStates(r: Recording): Map<number, [number, string][]> {
  const out = new Map<number, [number, string][]>();
  const sofar = new Map<number, TreeNode>();
  for (const e of r.entries) {
    if (e.type !== "watch") continue;
    let n = sofar.get(e.node);
    if (n === undefined) {
      n = {
        node: e.node,
        label: e.label,
        polls: 0,
        result: e.result,
        doneAt: null,
        firstSeq: e.seq,
        children: [],
      };
      sofar.set(e.node, n);
      out.set(e.node, []);
    }
    n.polls++;
    n.result = e.result;
    if (e.result !== "pending") n.doneAt = e.at;
    out.get(e.node)!.push([e.seq, nodeStatus(n)]);
  }
  return out;
}

function renderNode(n: TreeNode, states: Map<number, [number, string][]>): string {
  const steps = esc(JSON.stringify(states.get(n.node) ?? []));
  const children = n.children.map((c) => renderNode(c, states)).join("");
  return `<div class="tree-node ${n.result}" data-seq="${n.firstSeq}"><div class="tree-label">${esc(n.label)}</div><div class="tree-status" data-states="${steps}">${esc(nodeStatus(n))}</div>${n.children.length > 0 ? `<div class="tree-children">${children}</div>` : ""}</div>`;
}

function renderStory(r: Recording): string {
  const items = narrate(r, { explain: true }).map((line) => {
    const t = line.at === null ? "" : formatTime(line.at).trim();
    const body =
      line.layer === "show"
        ? `<pre>${esc(line.text)}</pre>`
        : `<span class="text">${esc(line.text)}</span>`;
    return `<li class="line ${line.layer}" data-seq="${line.seq}"><span class="t">${t}</span>${body}</li>`;
  });
  return `<ol class="story">${items.join("")}</ol>`;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function esc(s: string): string {
  return s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

const CSS = `
:root { color-scheme: light; --ink: #2b2118; --muted: #7a6a5a; --paper: #fbf7f0; --lane: #f3ece0;
  --poll: #3a7d44; --ready: #1f5fa8; --panic: #b3261e; --idle: #b9a995; --queued: #e07a2f; --timer: #d9b26f; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--paper); }
header { padding: 14px 22px 6px; border-bottom: 1px solid #e6dccb; background: #fff8ec; }
h1 { margin: 0; font-size: 20px; } h2 { margin: 0 0 2px; font-size: 17px; } h3 { margin: 8px 0 4px; font-size: 14px; }
.lead, .blurb, .legend { margin: 4px 0; color: var(--muted); }
.legend { font-size: 12px; } .k { display: inline-block; width: 16px; height: 9px; margin: 0 4px 0 10px; vertical-align: middle; border-radius: 2px; }
.k.poll-p { background: var(--poll); } .k.poll-o { background: #fff; border: 1.5px solid var(--poll); } .k.poll-r { background: var(--ready); } .k.timer { background: var(--timer); }
.k.idle { border-top: 2px dashed var(--idle); height: 0; } .k.queued { border-top: 2px solid var(--queued); height: 0; } .arrow { margin: 0 4px 0 10px; font-weight: 700; } .arrow.bell { color: #e07a2f; } .arrow.task { color: #8e5bb5; } .clock { font-size: 12px; }
nav { display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 6px 0; font-size: 13px; }
a { color: #9a4b12; } .back { float: right; }
main { padding: 4px 22px 40px; }
.take { margin: 18px 0 26px; padding-bottom: 14px; border-bottom: 1px dashed #d8ccb8; }
.player { display: flex; align-items: center; gap: 6px; margin: 6px 0; font-size: 13px; }
.player button { font: inherit; padding: 1px 8px; border: 1px solid #cdbfa9; background: #fff; border-radius: 4px; cursor: pointer; }
.player input[type=range] { width: 220px; } .stepinfo { color: var(--muted); min-width: 90px; }
.scroll { overflow-x: auto; border: 1px solid #e6dccb; background: #fff; }
svg.timeline { display: block; font-size: 11px; }
.lane-bg { fill: transparent; } .lane:nth-child(odd) .lane-bg { fill: var(--lane); }
.lane-reactor .lane-bg { fill: #fdf1d8; }
.lane-label { fill: var(--ink); font-weight: 600; }
.tick line { stroke: #e9e0d2; } .tick text { fill: var(--muted); }
rect.poll { fill: var(--poll); } rect.poll.ready { fill: var(--ready); } rect.poll.panic { fill: var(--panic); }
rect.poll:hover, .timer:hover rect, path.wake:hover { filter: brightness(1.3); cursor: help; }
.span { stroke-width: 2; } .span.idle { stroke: var(--idle); stroke-dasharray: 4 3; } .span.queued { stroke: var(--queued); }
rect.poll.open { fill: #fff; stroke: var(--poll); stroke-width: 1.5; }
.timer rect { fill: var(--timer); } .timer.cancelled rect { fill: #ccc; } .bell { font-size: 9px; }
.timer-label { font-size: 8px; fill: #5a4020; }
path.wake { fill: none; stroke: #e07a2f; stroke-width: 1.6; } path.wake.from-task { stroke: #8e5bb5; }
.mark { font-size: 11px; fill: var(--muted); } .mark.warning { fill: var(--panic); font-weight: 700; }
.later { visibility: hidden; } li.line.later { display: none; }
.now { outline: 2px solid #e07a2f; }
.tree { margin: 8px 0; }
.tree-node { display: inline-block; vertical-align: top; margin: 3px; padding: 4px 8px; border: 1.5px solid #8a7a66; border-radius: 6px; background: #fff; }
.tree-node.ready { border-color: var(--ready); } .tree-node.open { border-color: #8a7a66; } .tree-label { font-weight: 600; } .tree-status { font-size: 12px; color: var(--muted); }
.tree-children { display: flex; gap: 4px; margin-top: 4px; }
ol.story { list-style: none; padding: 0; margin: 8px 0; font: 13px/1.5 ui-monospace, "DejaVu Sans Mono", monospace; }
li.line { display: flex; gap: 12px; } li.line .t { color: var(--muted); min-width: 72px; text-align: right; }
li.machine { color: #2f6f7a; } li.warning { color: #a15c00; font-weight: 600; } li.failure { color: var(--panic); white-space: pre-wrap; }
li.line pre { margin: 2px 0; font: inherit; }
body.no-machinery li.machine { display: none; }
#tip { position: fixed; z-index: 10; max-width: 420px; padding: 6px 9px; background: #2b2118; color: #fff; font-size: 12px; border-radius: 5px; white-space: pre-wrap; pointer-events: none; }
`;

const SCRIPT = `
(function () {
  var tip = document.getElementById("tip");
  document.addEventListener("mouseover", function (e) {
    var el = e.target.closest && e.target.closest("[data-info]");
    if (!el) { tip.hidden = true; return; }
    tip.textContent = el.getAttribute("data-info");
    tip.hidden = false;
  });
  document.addEventListener("mousemove", function (e) {
    tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 14) + "px";
  });
  var autoplay = document.body.getAttribute("data-autoplay") === "1";
  document.querySelectorAll("section.take").forEach(function (sec) {
    var els = Array.prototype.slice.call(sec.querySelectorAll("[data-seq]"));
    var svg = sec.querySelector("svg.timeline");
    var xs = svg ? JSON.parse(svg.getAttribute("data-xs") || "[]") : [];
    var shapes = Array.prototype.slice.call(sec.querySelectorAll("[data-x2]"));
    var statuses = Array.prototype.slice.call(sec.querySelectorAll("[data-states]"));
    // The x the replay has reached: that of the last drawn entry at or before limit.
    function xAt(limit) {
      var x = xs.length > 0 ? xs[0][1] : 0;
      for (var i = 0; i < xs.length && xs[i][0] <= limit; i++) x = xs[i][1];
      return x;
    }
    // A shape whose ending entry is not reached yet is drawn only up to the replay's x.
    function grow(limit, whole) {
      var now = xAt(limit);
      shapes.forEach(function (el) {
        var owner = el.closest("[data-end]");
        var open = !whole && owner !== null && +owner.getAttribute("data-end") > limit;
        var x1 = +el.getAttribute("data-x1");
        var x2 = +el.getAttribute("data-x2");
        if (open) x2 = Math.min(x2, Math.max(x1 + +el.getAttribute("data-min"), now));
        if (el.tagName === "line") el.setAttribute("x2", String(x2));
        else el.setAttribute("width", String(x2 - x1));
        if (owner !== null) {
          owner.classList.toggle("open", open);
          // Hover texts and a timer's end say only what the replay has reached.
          var said = owner.getAttribute(open ? "data-info-open" : "data-info-done");
          if (said !== null) {
            owner.setAttribute("data-info", said);
            var title = owner.querySelector("title");
            if (title !== null) title.textContent = said;
          }
          var ended = owner.getAttribute("data-ended");
          if (ended && ended !== "open") owner.classList.toggle(ended, !open);
        }
      });
      statuses.forEach(function (el) {
        var states = JSON.parse(el.getAttribute("data-states"));
        var text = states.length > 0 ? states[0][1] : "";
        var done = false;
        for (var i = 0; i < states.length && states[i][0] <= limit; i++) {
          text = states[i][1];
          done = i === states.length - 1;
        }
        el.textContent = text;
        el.parentNode.classList.toggle("open", !whole && !done);
      });
    }
    var seqs = Array.from(new Set(els.map(function (el) { return +el.getAttribute("data-seq"); }))).sort(function (a, b) { return a - b; });
    var range = sec.querySelector("input[type=range]");
    var info = sec.querySelector(".stepinfo");
    var playBtn = sec.querySelector("[data-act=play]");
    range.max = String(seqs.length);
    var step = autoplay ? 0 : seqs.length;
    var timer = null;
    function show(n) {
      step = Math.max(0, Math.min(seqs.length, n));
      var limit = step === 0 ? -1 : seqs[step - 1];
      els.forEach(function (el) {
        var s = +el.getAttribute("data-seq");
        el.classList.toggle("later", s > limit);
        el.classList.toggle("now", s === limit && step < seqs.length && el.tagName === "LI");
      });
      grow(limit, step >= seqs.length);
      range.value = String(step);
      info.textContent = "step " + step + " / " + seqs.length;
      sec.setAttribute("data-step", String(step));
      if (step >= seqs.length) stop();
    }
    function stop() { if (timer !== null) { clearInterval(timer); timer = null; } playBtn.textContent = "▶ play"; }
    function play() {
      if (timer !== null) { stop(); return; }
      if (step >= seqs.length) show(0);
      playBtn.textContent = "⏸ pause";
      timer = setInterval(function () { show(step + 1); }, 300);
    }
    sec.querySelector("[data-act=reset]").onclick = function () { stop(); show(0); };
    sec.querySelector("[data-act=back]").onclick = function () { stop(); show(step - 1); };
    sec.querySelector("[data-act=step]").onclick = function () { stop(); show(step + 1); };
    playBtn.onclick = play;
    range.oninput = function () { stop(); show(+range.value); };
    sec.querySelector(".machinery").onchange = function (e) {
      var on = e.target.checked;
      document.body.classList.toggle("no-machinery", !on);
      document.querySelectorAll(".machinery").forEach(function (box) { box.checked = on; });
    };
    show(step);
    if (autoplay) play();
  });
})();
`;
