/**
 * Thrown values, told in words. JavaScript lets a chef throw anything, not only an `Error`: a
 * string, a plain object with a code, `null`. `String()` turns a plain object into
 * `[object Object]`, which tells whoever reads a panic report nothing; this prints its fields.
 */

/** The most characters of a thrown object's fields a report prints. */
const FIELDS_SHOWN = 200;

/**
 * What was thrown, in words: an error's stack (or `Name: message` when `stack` is false, for a
 * one-line message), a thrown object's fields as JSON, any other value as itself.
 *
 * @example
 * ```ts
 * thrownDetail({ code: 42 }); // 'a thrown object {"code":42}'
 * thrownDetail(new TypeError("cold soup"), false); // "TypeError: cold soup"
 * ```
 */
export function thrownDetail(value: unknown, stack = true): string {
  try {
    if (value instanceof Error) {
      const line = `${value.name}: ${value.message}`;
      return stack ? (value.stack ?? line) : line;
    }
    if (typeof value !== "object" || value === null) return String(value);
    const kind = (value as { constructor?: { name?: unknown } }).constructor?.name;
    const what =
      typeof kind !== "string" || kind === "Object" ? "a thrown object" : `a thrown ${kind}`;
    let fields: string | undefined;
    try {
      fields = JSON.stringify(value);
    } catch {
      // A cycle or a bigint: its keys still say what it was.
    }
    if (fields === undefined) fields = `with keys ${Object.keys(value).join(", ") || "(none)"}`;
    return `${what} ${fields.length > FIELDS_SHOWN ? `${fields.slice(0, FIELDS_SHOWN)}…` : fields}`;
  } catch {
    // A revoked proxy, a getter that throws: the value will not describe itself.
    return typeof value;
  }
}
