/**
 * Thrown values, told in words. JavaScript lets a chef throw anything, not only an `Error`: a
 * string, a plain object with a code, `null`. `String()` turns a plain object into
 * `[object Object]`, which tells whoever reads a panic report nothing; this prints its fields, a
 * bounded part of them (a `JoinError` is made for every panic, awaited or not, and a thrown reply
 * may hold megabytes).
 */

/** The most characters of a thrown object's fields a report prints. */
const FIELDS_SHOWN = 200;
/** The most values of a thrown object the fields are read from, nested ones included. */
const VALUES_READ = 50;
/** The most elements of an array, and keys of an object, read at each level. */
const PER_LEVEL = 10;

/**
 * Whether `value` is an error, from this realm or another (`vm`, an iframe), where `instanceof
 * Error` is false.
 */
function isError(value: object): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === "[object Error]";
}

/**
 * At most {@link VALUES_READ} values of `value` as JSON, with at most {@link PER_LEVEL} elements
 * or keys a level: reading (and a getter's cost) stays bounded however large the object is.
 */
function boundedJson(value: object): string | undefined {
  let budget = VALUES_READ;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object") return v;
    if (budget-- <= 0) return "…";
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.byteLength} bytes)`;
    // JSON sees no entries in a Map or a Set ({}): their entries, as pairs or as values.
    if (v instanceof Map) return firstOf(v.entries(), v.size);
    if (v instanceof Set) return firstOf(v.values(), v.size);
    if (Array.isArray(v)) {
      return v.length <= PER_LEVEL
        ? v
        : [...v.slice(0, PER_LEVEL), `…${v.length - PER_LEVEL} more`];
    }
    const keys = Object.keys(v);
    if (keys.length <= PER_LEVEL) return v;
    const some: Record<string, unknown> = {};
    for (const k of keys.slice(0, PER_LEVEL)) some[k] = (v as Record<string, unknown>)[k];
    some["…"] = `${keys.length - PER_LEVEL} more`;
    return some;
  });
}

/** At most {@link PER_LEVEL} items of an iterator over `size` items, and how many more there are. */
function firstOf(items: Iterator<unknown>, size: number): unknown[] {
  const out: unknown[] = [];
  for (let r = items.next(); r.done !== true && out.length < PER_LEVEL; r = items.next()) {
    out.push(r.value);
  }
  if (size > PER_LEVEL) out.push(`…${size - PER_LEVEL} more`);
  return out;
}

/**
 * What was thrown, in words: an error's stack (or `Name: message` when `stack` is false, for a
 * one-line message), a thrown object's fields as JSON (a bounded part of them), any other value
 * as itself.
 *
 * @example
 * ```ts
 * thrownDetail({ code: 42 }); // 'a thrown object {"code":42}'
 * thrownDetail(new TypeError("cold soup"), false); // "TypeError: cold soup"
 * ```
 */
export function thrownDetail(value: unknown, stack = true): string {
  try {
    if (typeof value !== "object" || value === null) return String(value);
    if (isError(value)) {
      const line = `${String(value.name)}: ${String(value.message)}`;
      return stack && typeof value.stack === "string" && value.stack !== "" ? value.stack : line;
    }
    const kind = (value as { constructor?: { name?: unknown } }).constructor?.name;
    const what =
      typeof kind !== "string" || kind === "Object" ? "a thrown object" : `a thrown ${kind}`;
    let fields: string | undefined;
    try {
      fields = boundedJson(value);
    } catch {
      // A cycle, a bigint, a toJSON that throws: its keys still say what it was.
    }
    if (fields === undefined) {
      const keys = Object.keys(value);
      const shown = keys.slice(0, PER_LEVEL).join(", ");
      fields = `with keys ${shown || "(none)"}${keys.length > PER_LEVEL ? ", …" : ""}`;
    }
    return `${what} ${fields.length > FIELDS_SHOWN ? `${fields.slice(0, FIELDS_SHOWN)}…` : fields}`;
  } catch {
    // A revoked proxy, a getter that throws: the value will not describe itself.
    return typeof value;
  }
}
