/**
 * The deadline of each call `karmada install|status|uninstall` makes unless
 * --timeout says otherwise. Apart from retention-client.ts, which loads the
 * API client, so the flag table can name it without loading it.
 */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
