/**
 * The host's monotonic clock, for timing polls and turns (the long-poll check, the event-loop
 * slice, instrumentation): the kitchen's wall clock, not the runtime's own clock (which may be
 * paused). Taken once: on Node the global `performance` is a lazy getter, which cost a few
 * nanoseconds on every read, twice per turn.
 */
export const hostClock: { now(): number } = globalThis.performance;
