/**
 * Names for the kitchen's shared tools. A mutex, a semaphore, a notify or a channel may be given a
 * name (`{ name: "db pool" }`) so that deadlock reports, dumps and errors say which one a task
 * waits on, where "channel full (capacity 4)" three times over says little.
 */

/** Options that only name the thing made: `new Semaphore(3, { name })`, `mpsc.channel(8, { name })`. */
export interface NameOptions {
  /**
   * A name for deadlock reports, task dumps and errors.
   * @example mpsc.channel<Order>(8, { name: "orders" })
   */
  name?: string;
}

/**
 * Check the options of a constructor that takes only a name: the name, or `null` when none is
 * given. Throws a `TypeError` naming `where` for anything but an object with an optional string.
 *
 * @example checkNameOption({ name: 5 }, "new Semaphore(permits, options)"); // TypeError
 */
export function checkNameOption(options: unknown, where: string): string | null {
  if (options === undefined) return null;
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${where}: options must be an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  const { name } = options as { name?: unknown };
  if (name === undefined) return null;
  if (typeof name !== "string") {
    throw new TypeError(`${where}: options.name must be a string, got ${typeof name}`);
  }
  for (let i = 0; i < name.length; i++) {
    if (isLineBreaking(name.charCodeAt(i))) {
      throw new TypeError(
        `${where}: options.name must not hold control characters or line separators (a newline would split a report's line), got ${JSON.stringify(name)}`,
      );
    }
  }
  return name;
}

/**
 * A control character (Unicode's Cc: U+0000–U+001F, DEL, U+0080–U+009F, where NEL is) or a line or
 * paragraph separator (U+2028, U+2029): any of them can break a report's line in some viewer.
 */
function isLineBreaking(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
}
