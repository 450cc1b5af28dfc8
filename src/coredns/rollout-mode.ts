/**
 * The --rollout modes. Apart from rollout.ts, which patches Deployments
 * through the API client, so the flag parsers can check a mode without
 * loading @kubernetes/client-node.
 */
/** auto: restart only when CoreDNS would not reload the Corefile itself; always; never. */
export type RolloutMode = 'auto' | 'always' | 'never';
export const ROLLOUT_MODES: readonly RolloutMode[] = ['auto', 'always', 'never'];
