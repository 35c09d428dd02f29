/**
 * The stream module's barrel. Importing it installs the combinator methods on `StreamBase`
 * (`ext.ts`), so every module that hands out streams imports them from here.
 */
import "./ext.js";

export {
  fromAsyncIterable,
  type ToAsyncIterableOptions,
  toAsyncIterable,
} from "./async-iter.js";
export { type DelayKey, DelayQueue, type Expired } from "./delay-queue.js";
export {
  type EventSource,
  type EventStream,
  type FromEventOptions,
  fromEvent,
} from "./from-event.js";
export { FuturesUnordered } from "./futures-unordered.js";
export { empty, iter, once, streamPollFn } from "./sources.js";
export type { ScanStep } from "./stateful.js";
export {
  assertStream,
  CLAIM,
  claimFrom,
  DONE,
  isStream,
  Next,
  type Stream,
  StreamBase,
  type StreamPoll,
  WITHDRAW,
  withdrawFrom,
} from "./stream.js";
export { StreamMap } from "./stream-map.js";
export { type UnfoldStep, unfold } from "./unfold.js";
export {
  intervalStream,
  type PollReceiver,
  type ReceiverStreamOptions,
  receiverStream,
} from "./wrappers.js";
