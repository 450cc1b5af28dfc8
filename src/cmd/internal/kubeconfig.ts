/**
 * The one way every command turns --kubeconfig/--context (or their member
 * variants) into a KubeConfig, and says what is wrong when it cannot.
 *
 * Where it reads from, the first that applies:
 *   1. `path` (the flag), when given: that file only.
 *   2. $KUBECONFIG, when set: its files (`:`-separated), merged as kubectl
 *      merges them (client-node 1.4.0's KubeConfig.loadFromDefault).
 *   3. `whenNoPath`:
 *      - 'default' (the one-shot commands, as kubectl): ~/.kube/config, then
 *        the pod's service account.
 *      - 'in-cluster' (`run`): the pod's service account only, so a
 *        controller never picks up a developer's ~/.kube/config by accident.
 *   Nothing found is a usage error naming the flag to give, rather than
 *   client-node's last resort, http://localhost:8080, which no Karmada serves.
 * Then `context`, when given, must exist in what was read and becomes the
 * current context; otherwise the file's current context must exist.
 *
 * Every failure is a UsageError (exit 2): a file, variable or context the
 * user named or left out, fixed on the command line, and nothing contacted.
 */
import * as k8s from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { UsageError } from './flags.js';

export interface KubeConfigSource {
  /** A kubeconfig file; empty: $KUBECONFIG, then `whenNoPath`. */
  readonly path: string;
  /** A context to use; empty: the current context. */
  readonly context: string;
  readonly whenNoPath: 'in-cluster' | 'default';
  /** The flag that names the file, so an error says which one (default --kubeconfig). */
  readonly flag?: string | undefined;
  /** The flag that names the context (default --context). */
  readonly contextFlag?: string | undefined;
}

/** Where a KubeConfig came from, as an error message names it. */
interface Read {
  kc: k8s.KubeConfig;
  where: string;
}

/** "no such file", "not a valid kubeconfig (...)": why a file could not be read, in words; `nameFile` when `where` names several. */
function whyUnreadable(e: unknown, nameFile: boolean): string {
  const code = (e as { code?: unknown }).code;
  const file = (e as { path?: unknown }).path;
  const at = nameFile && typeof file === 'string' ? `${file}: ` : '';
  if (code === 'ENOENT') return `${at}no such file`;
  if (code === 'EACCES' || code === 'EPERM') return `${at}not readable (permission denied)`;
  if (code === 'EISDIR') return `${at}is a directory, not a kubeconfig file`;
  const message = e instanceof Error ? e.message : String(e);
  return `not a valid kubeconfig (${message.split('\n')[0] ?? ''})`;
}

/** The files, merged in order; a file that cannot be read is a UsageError saying `where` and `fix`. */
function fromFiles(files: readonly string[], where: string, fix: string): Read {
  const kc = new k8s.KubeConfig();
  try {
    files.forEach((file, i) => {
      if (i === 0) return kc.loadFromFile(file);
      const more = new k8s.KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more);
    });
  } catch (e) {
    throw new UsageError(`${where}: ${whyUnreadable(e, files.length > 1)}; ${fix}`);
  }
  return { kc, where };
}

function read(source: KubeConfigSource, env: Record<string, string | undefined>): Read {
  const flag = source.flag ?? '--kubeconfig';
  if (source.path) return fromFiles([source.path], `${flag} ${source.path}`, `give ${flag} the path of a kubeconfig file`);
  const fromEnv = (env['KUBECONFIG'] ?? '').split(delimiter).filter((f) => f !== '');
  if (fromEnv.length > 0) return fromFiles(fromEnv, `$KUBECONFIG (${env['KUBECONFIG'] ?? ''})`, `fix or unset KUBECONFIG, or give ${flag} PATH`);
  if (source.whenNoPath === 'default') {
    const home = join(homedir(), '.kube', 'config');
    if (existsSync(home)) return fromFiles([home], home, `fix it, or give ${flag} PATH`);
  }
  if (env['KUBERNETES_SERVICE_HOST']) {
    const kc = new k8s.KubeConfig();
    kc.loadFromCluster();
    return { kc, where: 'in-cluster config' };
  }
  const looked = source.whenNoPath === 'default' ? `${flag} and $KUBECONFIG are empty, there is no ~/.kube/config, and this is not a pod` : `${flag} and $KUBECONFIG are empty and this is not a pod (no in-cluster config)`;
  throw new UsageError(`no kubeconfig: ${looked}; give ${flag} PATH`);
}

const contextNames = (kc: k8s.KubeConfig) => kc.getContexts().map((c) => c.name).join(', ') || 'none';

/** Throws UsageError for a file that cannot be read, no kubeconfig at all, or a context that is not there. */
export function loadKubeConfig(source: KubeConfigSource, env: Record<string, string | undefined> = process.env): k8s.KubeConfig {
  const { kc, where } = read(source, env);
  const contextFlag = source.contextFlag ?? '--context';
  if (source.context) {
    if (!kc.getContextObject(source.context)) throw new UsageError(`context ${JSON.stringify(source.context)} not found in ${where} (it has: ${contextNames(kc)}); give ${contextFlag} one of those`);
    kc.setCurrentContext(source.context);
  } else if (!kc.getContextObject(kc.getCurrentContext())) {
    throw new UsageError(`${where} has no current context (it has: ${contextNames(kc)}); give ${contextFlag} NAME`);
  }
  if (!kc.getCurrentCluster()) {
    throw new UsageError(`context ${JSON.stringify(kc.getCurrentContext())} in ${where} names cluster ${JSON.stringify(kc.getContextObject(kc.getCurrentContext())?.cluster ?? '')}, which is not there; fix the kubeconfig or give ${contextFlag} another context`);
  }
  return kc;
}
