/**
 * Which log level a process runs at. Apart from logging.ts, which loads
 * pino, so `run` can reject a bad --log-level before loading anything.
 */
import type { Level } from 'pino';

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The level to use: option, then LOG_LEVEL, then info. Unknown levels throw, naming the valid ones. */
export function resolveLevel(options: { readonly level?: string | undefined; readonly env?: Readonly<Record<string, string | undefined>> | undefined } = {}): Level | 'silent' {
  const env = options.env ?? process.env;
  const raw = options.level ?? env['LOG_LEVEL'] ?? 'info';
  const level = raw.trim().toLowerCase() || 'info';
  if (!LEVELS.includes(level)) {
    throw new Error(`invalid log level ${JSON.stringify(raw)}: use one of ${LEVELS.join(', ')}`);
  }
  return level as Level | 'silent';
}
