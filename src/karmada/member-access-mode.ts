/**
 * How the controller and the one-shot commands reach Push members
 * (docs/design.md#reaching-members): through Karmada's cluster proxy, which
 * needs no Secret, or directly at `spec.apiEndpoint` with the token of the
 * Secret the Cluster names. Pull members are reached through the proxy
 * either way. Apart from access.ts so the flag parsers load no API client.
 */
export const MEMBER_ACCESS_MODES = ['proxy', 'direct'] as const;
export type MemberAccessMode = (typeof MEMBER_ACCESS_MODES)[number];

/** The proxy: the controller then holds no member's token (docs/security.md#secrets). */
export const DEFAULT_MEMBER_ACCESS: MemberAccessMode = 'proxy';

export function isMemberAccessMode(s: string): s is MemberAccessMode {
  return (MEMBER_ACCESS_MODES as readonly string[]).includes(s);
}
