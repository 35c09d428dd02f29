/**
 * Checking options: the rules every options object of the runtime follows, so that a mistake is
 * caught where it is made, with an error that names the option and the rule. A value of the wrong
 * type is a `TypeError`; a value of the right type that the rule forbids is a `RangeError`; a key
 * that is no option at all (a typo) is a `TypeError` that names the option it probably meant. The
 * manager reads the whole order slip before the kitchen starts, not halfway through service.
 */

/**
 * `value` described for a `TypeError`: its type, and the value itself when it is a primitive.
 * @example describeType("61"); // "string '61'"
 */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return `string ${quote(value)}`;
    case "bigint":
      return `bigint ${value}n`;
    case "number":
    case "boolean":
    case "symbol":
      return `${typeof value} ${String(value)}`;
    case "function":
      return "a function";
    default:
      return Array.isArray(value) ? "an array" : "an object";
  }
}

/**
 * A string for an error message: quoted, and cut short past 40 characters.
 * @example quote("crash"); // "'crash'"
 */
export function quote(s: string): string {
  return `'${s.length > 40 ? `${s.slice(0, 40)}…` : s}'`;
}

/**
 * An options object, or nothing (`undefined`): not `null`, an array or a primitive.
 * @example checkObject(5, "Runtime options"); // TypeError: Runtime options must be an object, got number 5
 */
export function checkObject(options: unknown, what: string): void {
  if (
    options !== undefined &&
    (options === null || typeof options !== "object" || Array.isArray(options))
  ) {
    throw new TypeError(`${what} must be an object, got ${describeType(options)}`);
  }
}

/**
 * Refuse the first own key of `o` that is not in `known`: one that `misplaced` lists is named with
 * its sentence (it belongs to another call), any other with the known key it most likely meant.
 * `undefined` values of known keys pass; their option takes its default.
 *
 * @example
 * ```ts
 * checkKeys({ seeed: 1 }, "options", ["seed", "clock"], "a runtime option");
 * // TypeError: options.seeed is not a runtime option; did you mean 'seed'?
 * ```
 */
export function checkKeys(
  o: object,
  where: string,
  known: readonly string[],
  what: string,
  misplaced: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    const path = `${where}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`;
    const elsewhere = Object.hasOwn(misplaced, key) ? misplaced[key] : undefined;
    if (elsewhere !== undefined) throw new TypeError(`${path} is ${elsewhere}`);
    const near = closest(key, known);
    throw new TypeError(
      near === null
        ? `${path} is not ${what} (they are: ${known.join(", ")})`
        : `${path} is not ${what}; did you mean '${near}'?`,
    );
  }
}

/**
 * The known key `key` was most likely meant to be: one a few edits away (a typo, a letter too
 * many, two letters swapped, another case), else one that contains it or that it contains.
 */
function closest(key: string, known: readonly string[]): string | null {
  const k = key.toLowerCase();
  let best: string | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const allowed = Math.max(1, Math.floor(c.length / 4));
    const distance = editDistance(k, c);
    let score = distance <= allowed ? distance : Number.POSITIVE_INFINITY;
    // A part of the name ("deadlocks", "timeout") or more than the name ("watchdogOptions").
    if (score === Number.POSITIVE_INFINITY && Math.min(k.length, c.length) >= 4) {
      if (c.includes(k) || k.includes(c)) score = allowed + 1;
    }
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  // Rows of the classic table: `before` is row i - 2, `prev` row i - 1, `row` row i.
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, before[j - 2]! + 1);
      }
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * A count (`eventInterval`, `blockingThreads`): an integer of at least 1, and a safe one (past
 * 2^53 adding 1 changes nothing, so a count there would never run out).
 * @example checkCount("4", "options.blockingThreads"); // TypeError: … must be a number (an integer of at least 1), got string '4'
 */
export function checkCount(value: unknown, what: string): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `${what} must be a number (an integer of at least 1), got ${describeType(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be an integer of at least 1, got ${value}`);
  }
  if (value > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `${what} must be an integer of at least 1 and at most 2^53 - 1, got ${value}`,
    );
  }
  return value;
}

/**
 * One of a few names, or nothing (`orElse` names what else the option takes, for the message).
 * @example checkOneOf("fake", ["real", "paused"], "options.clock"); // RangeError: options.clock must be one of 'real', 'paused', got 'fake'
 */
export function checkOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
  orElse?: string,
): T | undefined {
  if (value === undefined) return undefined;
  const names = allowed.map((a) => `'${a}'`).join(", ");
  const rule = `${what} must be one of ${names}${orElse === undefined ? "" : `, or ${orElse}`}`;
  if (typeof value !== "string") throw new TypeError(`${rule}, got ${describeType(value)}`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${rule}, got ${quote(value)}`);
  }
  return value as T;
}

/**
 * `true`, `false` or nothing: a string such as `"false"` is refused, not read as truthy.
 * @example checkBoolean("false", "options.detectDeadlocks"); // TypeError: … must be a boolean (true or false), got string 'false'
 */
export function checkBoolean(value: unknown, what: string): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(`${what} must be a boolean (true or false), got ${describeType(value)}`);
  }
  return value;
}

/**
 * A function, or nothing.
 * @example checkFunction(3, "options.onWarning", "(warning) => void"); // TypeError: … got number 3
 */
export function checkFunction<F>(value: F | undefined, what: string, shape: string): F | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`${what} must be a function ${shape}, got ${describeType(value)}`);
  }
  return value;
}
