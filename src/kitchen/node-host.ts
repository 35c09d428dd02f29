/**
 * The kitchen on Node: importing this module gives the stove scene its back room (the blocking
 * pool's worker threads). The CLI and the server import it; like them, it is Node only.
 */
import { spawnBlocking } from "../runtime/blocking-pool.js";
import { kitchenHost } from "./host.js";

kitchenHost.backRoom = spawnBlocking;
