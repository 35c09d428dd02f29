/**
 * The future tree: the seed's picture of a top-level future holding its children, drawn from the
 * polls of the futures a scene watched (`k.watch`). A child is whatever watched future was polled
 * inside its parent's poll, so the tree is the real nesting of `poll` calls, not a declaration.
 */

import { formatDuration } from "./narrator.js";
import type { Entry } from "./recording.js";

/** One watched future and what its polls said. */
export interface TreeNode {
  node: number;
  label: string;
  polls: number;
  /** How its last poll ended. */
  result: "pending" | "ready" | "error";
  /** Scene clock of the poll that returned Ready (or threw), else null. */
  doneAt: number | null;
  /** Sequence number of its first recorded poll. */
  firstSeq: number;
  children: TreeNode[];
}

/**
 * The watched futures of a recording as a forest, in the order they were first polled.
 *
 * @example
 * ```ts
 * const [order] = futureTree(recording.entries); // order.children: Appetizer, Main, Dessert
 * ```
 */
export function futureTree(entries: readonly Entry[]): TreeNode[] {
  const nodes = new Map<number, TreeNode>();
  const parents = new Map<number, number | null>();
  const order: number[] = [];
  for (const e of entries) {
    if (e.type !== "watch") continue;
    let n = nodes.get(e.node);
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
      nodes.set(e.node, n);
      parents.set(e.node, e.parent);
      order.push(e.node);
    }
    n.polls++;
    n.result = e.result;
    if (e.result !== "pending") n.doneAt = e.at;
  }
  // Children are recorded before their parent (a poll is written when it ends): link afterwards,
  // ordering siblings by their first poll.
  const roots: TreeNode[] = [];
  for (const id of order) {
    const n = nodes.get(id)!;
    const p = parents.get(id);
    const parent = p === null || p === undefined ? undefined : nodes.get(p);
    if (parent === undefined) roots.push(n);
    else parent.children.push(n);
  }
  return roots;
}

/**
 * One line about a node.
 *
 * @example
 * ```ts
 * nodeStatus(appetizer); // "Ready at 3 s · 3 polls"
 * ```
 */
export function nodeStatus(n: TreeNode): string {
  const polls = `${n.polls} poll${n.polls === 1 ? "" : "s"}`;
  if (n.result === "ready") return `Ready at ${formatDuration(n.doneAt!)} · ${polls}`;
  if (n.result === "error") return `threw at ${formatDuration(n.doneAt!)} · ${polls}`;
  return `Pending · ${polls}`;
}

/**
 * Draw a tree as nested boxes, children side by side (the seed's picture, with real poll counts).
 * Labels are expected to be plain text (one column per character).
 *
 * @example
 * ```ts
 * for (const line of drawTree(futureTree(recording.entries)[0]!)) console.log(line);
 * ```
 */
export function drawTree(node: TreeNode): string[] {
  const inner: string[] = [nodeStatus(node)];
  if (node.children.length > 0) {
    const blocks = node.children.map(drawTree);
    const height = Math.max(...blocks.map((b) => b.length));
    for (let row = 0; row < height; row++) {
      inner.push(blocks.map((b) => b[row] ?? " ".repeat(b[0]!.length)).join(" "));
    }
  }
  const title = ` ${node.label} `;
  const width = Math.max(title.length + 2, ...inner.map((l) => l.length + 2));
  const top = `┌─${title}${"─".repeat(width - title.length - 1)}┐`;
  const body = inner.map((l) => `│ ${l.padEnd(width - 2)} │`);
  return [top, ...body, `└${"─".repeat(width)}┘`];
}
