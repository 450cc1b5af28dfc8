/**
 * How long one API call may go unanswered, by kind of call. One place, so a
 * reader sees every deadline the project uses and why (docs/reliability.md
 * "Timeouts"). Loads no package: a flag table may name these as defaults.
 *
 * A deadline is what turns a member whose network black-holes packets into
 * an error within seconds instead of a call that waits for TCP to give up
 * (about 15 minutes with Linux's default retransmission limit).
 */

/**
 * One API call, read or write: the default of every client `makeClient`
 * builds (src/kube/client.ts), so of every call the controller, `coredns`,
 * `doctor` and `karmada` make unless they pass a deadline of their own.
 * Above the 15 s a request may wait in the API server's priority-and-fairness
 * queue before it is rejected with 429, plus the call itself; below the API
 * server's own 60 s request timeout, so a silent connection is given up
 * before the server would have answered "timeout" anyway.
 */
export const API_CALL_TIMEOUT_MS = 30_000;

/**
 * A GET of one named object that a command reads before it decides what to
 * write (CoreDNS's Deployment and ConfigMap, node-local-dns): a few kilobytes
 * that a healthy API server returns in milliseconds, while a person waits.
 */
export const GET_TIMEOUT_MS = 15_000;
