/**
 * The help of one action of an `<action> [flags]` command (`coredns status
 * --help`): its usage, what it does, only the flags it takes, and the
 * command's other flags it refuses, so the help and the parser never
 * disagree (both read the same ActionSpec).
 */
import { flagHelp, refusedFlags, type ActionSpec, type FlagSpec } from './flags.js';

export interface ActionHelp<A extends string = string> extends ActionSpec<A> {
  /** What follows `clusterset-dns <command> <action>` on the usage line. */
  usage: string;
  /** What the action does, as lines of text. */
  summary: string;
}

export function actionHelp<A extends string>(command: string, action: ActionHelp<A>, actions: readonly ActionSpec<A>[], specs: readonly FlagSpec[], footer: string): string {
  const own = specs.filter((s) => s.name === 'help' || action.flags.includes(s.name));
  const refused = refusedFlags(action, actions, specs);
  const byUsers = new Map<string, string[]>();
  for (const r of refused) byUsers.set(r.usedBy.join(', '), [...(byUsers.get(r.usedBy.join(', ')) ?? []), `--${r.flag}`]);
  const refusedText = refused.length === 0 ? '' : `\nRefused by ${action.name}, as they apply to other actions: ${[...byUsers].map(([users, flags]) => `${flags.join(', ')} (${users})`).join('; ')}.\n`;
  return `Usage: clusterset-dns ${command} ${action.name} ${action.usage}

${action.summary.trimEnd()}

Flags:
${flagHelp(own)}
${refusedText}
${footer}`;
}
