/**
 * The back room: jobs the stove scene sends to `spawnBlocking`. Plain JavaScript, because a worker
 * thread imports it directly, without the TypeScript loader.
 */

/** Knead dough for `ms` milliseconds of real CPU work; returns how long it took. */
export function knead(ms) {
  const start = performance.now();
  let folds = 0;
  while (performance.now() - start < ms) folds++;
  return folds >= 0 ? Math.round(performance.now() - start) : 0;
}
