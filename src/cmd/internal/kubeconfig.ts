/**
 * The one way a command turns --kubeconfig/--context (or their member
 * variants) into a KubeConfig.
 *
 * Where it reads from, in order:
 *   1. `path`, when given: that file only. (`run`'s --kubeconfig defaults to
 *      $KUBECONFIG through its flag, so for `run` the variable arrives here.)
 *   2. otherwise `whenNoPath`:
 *      - 'in-cluster': the pod's service account, and nothing else. `run`
 *        uses this: a controller without --kubeconfig must not pick up a
 *        developer's ~/.kube/config by accident.
 *      - 'default': client-node 1.4.0's KubeConfig.loadFromDefault chain:
 *        every file in $KUBECONFIG (merged), else ~/.kube/config, else the
 *        pod's service account, else http://localhost:8080. The one-shot
 *        commands (`coredns`, `doctor`) use this, as kubectl does.
 * Then `context`, when given, must exist in what was read and becomes the
 * current context; otherwise the file's current context stays.
 */
import * as k8s from '@kubernetes/client-node';
import { UsageError } from './flags.js';

export interface KubeConfigSource {
  /** A kubeconfig file; empty: `whenNoPath`. */
  readonly path: string;
  /** A context to use; empty: the current context. */
  readonly context: string;
  readonly whenNoPath: 'in-cluster' | 'default';
  /** The flag that names the file ("--member-kubeconfig"), so an error says which one; none: the path alone. */
  readonly flag?: string | undefined;
}

/** Throws UsageError for a context that is not there. */
export function loadKubeConfig(source: KubeConfigSource): k8s.KubeConfig {
  const { path, context, whenNoPath, flag } = source;
  const kc = new k8s.KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (whenNoPath === 'in-cluster') kc.loadFromCluster();
  else kc.loadFromDefault();
  if (context) {
    const where = path || (whenNoPath === 'in-cluster' ? 'in-cluster config' : '(default kubeconfig)');
    if (!kc.getContextObject(context)) throw new UsageError(`context ${JSON.stringify(context)} not found in ${flag ? `${flag} ` : ''}${where}`);
    kc.setCurrentContext(context);
  }
  return kc;
}
