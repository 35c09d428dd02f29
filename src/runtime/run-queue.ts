/**
 * The run queue: the manager's list of chefs ready for their next step. A power-of-two ring
 * buffer: push and shift are O(1) and allocation-free until the queue outgrows its capacity, when
 * it doubles once (never shrinks: the high-water mark is the steady state).
 */
import type { Task } from "../task/task.js";

export class RunQueue {
  private buf: (Task<any> | undefined)[];
  private head = 0;
  private tail = 0;
  private mask: number;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity) cap <<= 1;
    this.buf = new Array(cap).fill(undefined);
    this.mask = cap - 1;
  }

  /** Number of tasks waiting. */
  get length(): number {
    return (this.tail - this.head) & this.mask;
  }

  push(task: Task<any>): void {
    this.buf[this.tail] = task;
    this.tail = (this.tail + 1) & this.mask;
    if (this.tail === this.head) this.grow();
  }

  /** Take the oldest task, or `undefined` when empty. */
  shift(): Task<any> | undefined {
    if (this.head === this.tail) return undefined;
    const t = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    return t;
  }

  /** Take the task at offset `pick(length)` from the head instead of the oldest (seeded runs). */
  shiftAt(offset: number): Task<any> | undefined {
    const n = this.length;
    if (n === 0) return undefined;
    if (offset > 0 && offset < n) {
      const i = (this.head + offset) & this.mask;
      const t = this.buf[i];
      this.buf[i] = this.buf[this.head];
      this.buf[this.head] = t;
    }
    return this.shift();
  }

  private grow(): void {
    // Full: head === tail. Unroll into a buffer twice the size.
    const old = this.buf;
    const cap = old.length;
    const next: (Task<any> | undefined)[] = new Array(cap * 2).fill(undefined);
    for (let i = 0; i < cap; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.tail = cap;
    this.mask = cap * 2 - 1;
  }
}
