/**
 * The controller's structured logger: pino, JSON lines to stdout, no
 * transport (pino-pretty is a dev tool: `... | npx pino-pretty`).
 *
 * Conventions, so every line can be filtered the same way:
 *  - merge object first, message second: `log.info({key}, 'queued')`;
 *  - errors go under `err` so pino's std serializer renders type, message,
 *    stack and the enumerable fields (an ApiException's `code` and `body`);
 *  - context travels in child loggers with controller-runtime's keys
 *    (`controller`, `namespace`, `name`, `reconcileID`) plus `cluster`.
 *    Because `name` is the object's name, the root logger sets no pino
 *    `name` of its own.
 *
 * Secrets never reach the output: paths that hold tokens, Authorization
 * headers and Secret data are censored by pino's `redact`, and strings that
 * look like `Bearer <token>` are masked in messages, error messages and
 * stacks, and in string values of the merge object.
 */
import { randomUUID } from 'node:crypto';
import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { resolveLevel } from './log-level.js';

export type { Logger } from 'pino';

export const CENSOR = '[REDACTED]';

/**
 * Paths censored in every log line. pino's `*` matches exactly one level, so
 * the top-level key and one or two levels down are listed separately; a
 * Kubernetes object is usually logged one level down (`{secret}`, `{obj}`).
 * `data`/`stringData` cover Secrets; on a ConfigMap they censor too much,
 * which is the safe side.
 */
export const REDACT_PATHS: readonly string[] = [
  'token',
  '*.token',
  '*.*.token',
  'bearerToken',
  '*.bearerToken',
  'caBundle',
  '*.caBundle',
  '*.*.caBundle',
  'password',
  '*.password',
  'authorization',
  'Authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'data',
  '*.data',
  'stringData',
  '*.stringData',
  '*["client-key-data"]',
  '*.*["client-key-data"]',
  'keyData',
  '*.keyData',
];

export interface CreateLoggerOptions {
  /** Wins over the environment; one of fatal|error|warn|info|debug|trace|silent. */
  readonly level?: string | undefined;
  /** Where LOG_LEVEL is read from; process.env by default (tests pass their own). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Defaults to stdout, written synchronously (pino's default): a controller
   * that exits right after "leader election lost" must not lose that line.
   */
  readonly destination?: DestinationStream | undefined;
  /** Fields on every line; pino's default is {pid, hostname}. */
  readonly base?: Record<string, unknown> | null | undefined;
}

const BEARER = /\b(bearer)(\s+)[A-Za-z0-9\-._~+/]+=*/gi;

/** Masks `Bearer <token>` in free text (error messages, URLs in stacks, messages). */
export function scrubBearer(text: string): string {
  return text.includes(' ') || text.includes('\t') ? text.replace(BEARER, `$1$2${CENSOR}`) : text;
}

/**
 * Copy-on-write scrub of string values in plain objects and arrays, a few
 * levels deep: redact paths cannot see a token inside a string (a header
 * line, a curl command). Errors, Dates and class instances are left to their
 * serializers; depth and the copy-on-write keep the common case allocation-free.
 */
function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubBearer(value);
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const s = scrubValue(v, depth - 1);
      if (s !== v) (out ??= value.slice())[i] = s;
    }
    return out ?? value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const s = scrubValue(v, depth - 1);
    if (s !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = s;
  }
  return out ?? value;
}

/** pino's err serializer, with bearer tokens masked in message and stack. */
function errSerializer(err: unknown): unknown {
  if (!(err instanceof Error)) return scrubValue(err, 3);
  const out = stdSerializers.err(err) as unknown as Record<string, unknown>;
  for (const key of ['message', 'stack']) {
    const v = out[key];
    if (typeof v === 'string') out[key] = scrubBearer(v);
  }
  return out;
}

/** The root logger. Every other logger in the process is a child of it. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: PinoOptions = {
    level: resolveLevel(options),
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    // ISO timestamps: people read these in `kubectl logs` more than machines do.
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: errSerializer, error: errSerializer },
    formatters: {
      log: (obj) => scrubValue(obj, 4) as Record<string, unknown>,
    },
    hooks: {
      // The message (and printf-style args) are free text: mask tokens there too.
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? scrubBearer(a) : a)) as typeof args;
        return method.apply(this, scrubbed);
      },
    },
  };
  if (options.base !== undefined) pinoOptions.base = options.base;
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/** Context keys, controller-runtime's names plus `cluster`. */
export interface LogContext {
  readonly controller?: string | undefined;
  readonly cluster?: string | undefined;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  readonly reconcileID?: string | undefined;
}

/**
 * A child logger carrying the given keys; undefined keys are left out rather
 * than logged as null. Use it once per long-lived component, e.g. a
 * controller's logger `withContext(root, {controller: 'serviceimport'})` or a
 * member's `withContext(root, {cluster})`, and pass that logger down instead
 * of repeating the keys on every line.
 */
export function withContext(logger: Logger, context: LogContext): Logger {
  const bindings: Record<string, string> = {};
  for (const key of ['controller', 'cluster', 'namespace', 'name', 'reconcileID'] as const) {
    const v = context[key];
    if (v !== undefined) bindings[key] = v;
  }
  return logger.child(bindings);
}

/**
 * The logger for one reconcile, as controller-runtime makes one per request:
 * object coordinates plus a fresh reconcileID that ties its lines together.
 * A controller calls it at the start of each reconcile, with its own
 * controller logger (from withContext) and the key it took from the queue,
 * and logs everything about that reconcile through the result, so that
 * `reconcileID` picks out one attempt among the retries of the same object.
 * Tests pass a fixed reconcileID.
 */
export function reconcileLogger(
  controllerLogger: Logger,
  request: { readonly namespace?: string | undefined; readonly name: string; readonly cluster?: string | undefined },
  reconcileID: string = randomUUID(),
): Logger {
  return withContext(controllerLogger, { ...request, reconcileID });
}
