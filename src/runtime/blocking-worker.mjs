/**
 * The blocking pool's worker: a prep cook in the back room. piscina runs this module on each of
 * the pool's threads; every job names a module and one of its exports, and the cook imports the
 * module (once per thread), calls the export with the job's arguments and hands back the result.
 * Plain JavaScript, so it runs the same under tsx, vitest and the published build.
 *
 * Every way a job can fail is caught here and thrown back as a plain, cloneable record tagged
 * `brigadeBlocking`, which blocking-pool.ts turns into a `BlockingError` saying which module and
 * export failed and why. In particular an object result is serialized here (V8's serializer, the
 * algorithm under structured clone), so a result that cannot cross threads is reported as such,
 * instead of failing inside piscina's own `postMessage`, which would kill the thread and lose the
 * reason. The bytes then cross as one buffer and blocking-pool.ts deserializes them.
 */
import { fileURLToPath } from "node:url";
import { serialize } from "node:v8";

/** Loaded modules by URL: a thread imports each module once. */
const modules = new Map();

export default async function runBlockingJob({ module, exportName, args }) {
  let namespace = modules.get(module);
  if (namespace === undefined) {
    try {
      namespace = await import(module);
    } catch (e) {
      throw failure(isMissing(e, module) ? "module-not-found" : "module-failed", e);
    }
    modules.set(module, namespace);
  }
  if (!(exportName in namespace)) {
    const names = Object.keys(namespace).filter((k) => typeof namespace[k] === "function");
    throw failure("export-missing", {
      name: "Error",
      message: `it exports ${names.length === 0 ? "no functions" : `the functions ${names.map((n) => `'${n}'`).join(", ")}`}`,
    });
  }
  const fn = namespace[exportName];
  if (typeof fn !== "function") {
    throw failure("not-a-function", { name: "Error", message: `it is ${describe(fn)}` });
  }
  let value;
  try {
    value = fn(...args);
    // An async export is awaited here too, though blocking work is what this pool is for.
    if (value !== null && typeof value === "object" && typeof value.then === "function") {
      value = await value;
    }
  } catch (e) {
    throw failure("threw", e);
  }
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    if (typeof value === "symbol") {
      throw failure("result-not-cloneable", {
        name: "DataCloneError",
        message: `${String(value)} could not be cloned`,
      });
    }
    return value;
  }
  try {
    return serialize(value);
  } catch (e) {
    throw failure("result-not-cloneable", e);
  }
}

function failure(reason, error) {
  return { brigadeBlocking: true, reason, error: describeError(error) };
}

/** A cloneable picture of whatever was thrown, with its chain of causes (a few deep). */
function describeError(e, depth = 0) {
  if (e !== null && typeof e === "object" && typeof e.message === "string") {
    return {
      name: typeof e.name === "string" ? e.name : "Error",
      message: e.message,
      stack: typeof e.stack === "string" ? e.stack : undefined,
      code: typeof e.code === "string" ? e.code : undefined,
      cause: e.cause !== undefined && depth < 8 ? describeError(e.cause, depth + 1) : undefined,
    };
  }
  return { name: "thrown value", message: describe(e) };
}

function describe(v) {
  if (v === undefined) return "undefined";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  try {
    return `${typeof v} ${String(v)}`;
  } catch {
    return typeof v;
  }
}

/** The module itself is missing (not one of its own imports). */
function isMissing(e, module) {
  if (e === null || typeof e !== "object") return false;
  if (e.code === "ERR_UNKNOWN_BUILTIN_MODULE") return true;
  if (e.code !== "ERR_MODULE_NOT_FOUND") return false;
  const path = module.startsWith("file:") ? fileURLToPath(module) : module;
  return String(e.message).includes(`'${path}'`);
}
