/**
 * A small seeded random number generator (mulberry32), so a `seed` reproduces the same
 * interleaving of tasks on every run: the same order of dishes every night the manager draws the
 * same numbered cards.
 *
 * mulberry32 walks a 32-bit state by a fixed odd step and hashes each state into an output. A seed
 * is any safe integer (53 bits and a sign), more than one 32-bit state can hold, so the seed is
 * split in two: its low 32 bits are the starting state (as they always were, so every seed in
 * [0, 2^32) replays the interleaving it always did), and its high 22 bits, sign included, choose
 * the step (any odd step walks all 2^32 states). Both halves are kept whole, so no two seeds give
 * the same generator; the hot path still adds one step and hashes, as before.
 */
export class Rng {
  private s: number;
  /** The odd step between states: mulberry32's own for seeds in [0, 2^32). */
  private readonly step: number;

  /**
   * @param seed a safe integer (`Number.isSafeInteger`), checked by the caller (options.ts).
   * @example const rng = new Rng(42); rng.below(6);
   */
  constructor(seed: number) {
    const low = seed >>> 0;
    // Exact: `seed - low` is a multiple of 2^32 within ±2^53, so `high` is an integer in
    // [-2^21, 2^21): -1 for seeds in [-2^32, 0), which keeps -1 apart from 2^32 - 1.
    const high = (seed - low) / 4294967296;
    this.s = low;
    this.step = (MULBERRY_STEP ^ (mix31(high & 0x3fffff) << 1)) >>> 0;
  }

  /**
   * A float in [0, 1).
   * @example if (rng.next() < 0.5) swap();
   */
  next(): number {
    this.s = (this.s + this.step) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * An integer in [0, n).
   * @example const i = rng.below(queue.length);
   */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** mulberry32's step (odd, so the state visits all 2^32 values before it repeats). */
const MULBERRY_STEP = 0x6d2b79f5;

/**
 * Scramble a 31-bit number one to one (0 stays 0), so that seeds which differ by a little above
 * bit 32 get steps that differ in many bits, not in one. Each stage is invertible on 31 bits: a
 * product with an odd number modulo 2^31, and a xor with a right shift of itself.
 */
function mix31(x: number): number {
  x = Math.imul(x, 0x2c1b3c6d) & 0x7fffffff;
  x ^= x >>> 12;
  x = Math.imul(x, 0x297a2d39) & 0x7fffffff;
  return x ^ (x >>> 15);
}
