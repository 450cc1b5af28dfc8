// The controller process helpers live in hack/localenv/controller.ts (shared with the demo and benchmarks).
export * from '../../hack/localenv/controller.js';
