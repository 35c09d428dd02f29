/**
 * A growable power-of-two ring buffer: the ticket rail of the mpsc channel. Push and shift are O(1)
 * and allocate nothing until the ring outgrows its size, when it doubles (it never shrinks: the
 * high-water mark is the steady state). A channel starts it small whatever its capacity, so a
 * large bound costs memory only once that many tickets really wait.
 */
export class Ring<T> {
  private buf: (T | undefined)[];
  private head = 0;
  /** Items held. */
  length = 0;
  private mask: number;

  constructor(capacity: number) {
    let cap = 2;
    while (cap < capacity) cap <<= 1;
    this.buf = new Array<T | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  push(v: T): void {
    if (this.length > this.mask) this.grow();
    this.buf[(this.head + this.length) & this.mask] = v;
    this.length++;
  }

  /** Take the oldest item; the ring must not be empty. */
  shift(): T {
    const i = this.head;
    const v = this.buf[i] as T;
    this.buf[i] = undefined;
    this.head = (i + 1) & this.mask;
    this.length--;
    return v;
  }

  /** Drop every item. */
  clear(): void {
    while (this.length > 0) this.shift();
  }

  private grow(): void {
    const old = this.buf;
    const cap = old.length;
    const next = new Array<T | undefined>(cap * 2).fill(undefined);
    for (let i = 0; i < cap; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.mask = cap * 2 - 1;
  }
}
