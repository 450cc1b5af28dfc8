/**
 * Turning client-node errors into messages a human can act on. client-node
 * 1.x throws ApiException with `code` and `body` (the raw JSON Status); the
 * Status message already names the verb, resource and user for 403s
 * ("serviceimports.multicluster.x-k8s.io is forbidden: User \"x\" cannot list
 * resource ..."), so it is passed through rather than paraphrased.
 */
export function apiErrorMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const { code, body, message } = e as { code?: unknown; body?: unknown; message?: unknown };
    if (typeof code === 'number') {
      let status: { message?: string; reason?: string } | undefined;
      if (typeof body === 'string') {
        try {
          status = JSON.parse(body) as { message?: string; reason?: string };
        } catch {
          /* not JSON */
        }
      } else if (typeof body === 'object' && body !== null) {
        status = body as { message?: string };
      }
      return `HTTP ${code}${status?.reason ? ` ${status.reason}` : ''}: ${status?.message ?? (typeof body === 'string' ? body.slice(0, 300) : String(message ?? ''))}`;
    }
    if (typeof message === 'string') return message;
  }
  return String(e);
}

export const isNotFound = (e: unknown) => (e as { code?: unknown } | null)?.code === 404;
export const isConflict = (e: unknown) => (e as { code?: unknown } | null)?.code === 409;
