// Shared types only. These are earshot's JSON contract: a change here is a change to the
// documented schema (docs/json.md, schema/*.json). One file per side of the contract under
// model/: network.ts (scan, RPC), kernel.ts (local, conntrack), verify.ts, event.ts (watch and
// history); they import nothing else.
export type * from './model/event.js';
export type * from './model/kernel.js';
export type * from './model/network.js';
export type * from './model/verify.js';
