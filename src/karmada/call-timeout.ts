/**
 * The deadline of each call `karmada install|status|uninstall` makes unless
 * --timeout says otherwise: the one-call deadline every client has. Apart
 * from retention-client.ts, which loads the API client, so the flag table can
 * name it without loading it.
 */
import { API_CALL_TIMEOUT_MS } from '../kube/deadlines.js';

export const DEFAULT_CALL_TIMEOUT_MS = API_CALL_TIMEOUT_MS;
