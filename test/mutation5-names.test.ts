/**
 * Name options at their edges: a control character is refused wherever it stands in the name (its
 * first or last character too), and a Mutex's and an RwLock's name is checked as the others' are.
 */
import { describe, expect, it } from "vitest";
import { Mutex, mpsc, Notify, RwLock, Semaphore } from "../src/index.js";

describe("name options at their edges", () => {
  it("a control character as the first or the last character of a name is refused", () => {
    expect(() => new Semaphore(1, { name: "\npool" })).toThrow(
      /^new Semaphore\(permits, options\): options\.name must not hold control characters/,
    );
    expect(() => new Notify({ name: "bell\n" })).toThrow(
      /^new Notify\(options\): options\.name must not hold control characters/,
    );
    expect(() => mpsc.channel(1, { name: "\t" })).toThrow(TypeError);
    // The same names without the control character are taken.
    expect(new Semaphore(1, { name: "pool" }).name).toBe("pool");
    expect(new Notify({ name: "bell" }).name).toBe("bell");
  });

  it("a Mutex's and an RwLock's name must be a string without control characters", () => {
    expect(() => new Mutex(0, { name: 5 as unknown as string })).toThrow(
      "new Mutex(value, options): options.name must be a string, got number",
    );
    expect(() => new RwLock(0, { name: "pan\try" })).toThrow(
      /^new RwLock\(value, options\): options\.name must not hold control characters/,
    );
    expect(() => new Mutex(0, null as unknown as {})).toThrow(
      "new Mutex(value, options): options must be an object, got null",
    );
    expect(new Mutex(0, { name: "pantry" }).name).toBe("pantry");
  });
});
