/**
 * The run queue: the manager's list of chefs ready for their next step. A power-of-two ring
 * buffer: push and shift are O(1) and allocation-free until the queue outgrows its capacity, when
 * it doubles. The high-water mark is the steady state, except after a burst: a queue that grew
 * past {@link KEEP_CAPACITY} slots goes back to its first size once it drains (`shrinkIfEmpty`),
 * so that 100,000 tasks spawned at once do not leave a megabyte of empty ring behind them.
 */
import type { Task } from "../task/task.js";

/** The most slots a drained queue keeps. */
const KEEP_CAPACITY = 8192;

export class RunQueue {
  private buf: (Task<any> | undefined)[];
  private head = 0;
  private tail = 0;
  private mask: number;
  private readonly initialCapacity: number;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity) cap <<= 1;
    this.initialCapacity = cap;
    this.buf = new Array(cap).fill(undefined);
    this.mask = cap - 1;
  }

  /** Slots allocated now. */
  get capacity(): number {
    return this.mask + 1;
  }

  /** After a burst: an empty queue larger than {@link KEEP_CAPACITY} goes back to its first size. */
  shrinkIfEmpty(): void {
    if (this.head !== this.tail || this.mask + 1 <= KEEP_CAPACITY) return;
    this.buf = new Array(this.initialCapacity).fill(undefined);
    this.head = this.tail = 0;
    this.mask = this.initialCapacity - 1;
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

  /** Visit the queued tasks, oldest first, leaving them queued. */
  forEach(visit: (task: Task<any>) => void): void {
    for (let i = this.head; i !== this.tail; i = (i + 1) & this.mask) visit(this.buf[i]!);
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
