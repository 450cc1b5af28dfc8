/**
 * One entry of --phases: `<phase>[:tsx|:dist][@<write route>][+proxy|+direct]`,
 * e.g. `cold`, `cold:dist`, `cold@retain`, `restart:dist@override-policy`,
 * `cold+direct`. The build says how the controller runs; the route is passed
 * to it as --write-route, and phases that reset the federation (cold) set
 * Karmada up for that route. Without a route the controller gets no
 * --write-route (its default, auto). The member access is passed as
 * --member-access (default: proxy), so one run can measure `cold+proxy` and
 * `cold+direct` side by side.
 */
import { MEMBER_ACCESS_MODES, type MemberAccessMode } from '../../src/karmada/member-access-mode.js';
import { WRITE_ROUTE_FLAGS, type WriteRouteFlag } from '../../src/serviceimport/route.js';
import type { ControllerBuild } from './options.js';

export interface PhaseToken {
  name: string;
  build: ControllerBuild | undefined;
  route: WriteRouteFlag | undefined;
  /** --member-access; undefined: the controller's default. */
  access: MemberAccessMode | undefined;
  /** What follows the name in the phase records' names (`:dist@retain+direct`), so records of different runs of a phase differ. */
  suffix: string;
}

const BUILDS: readonly ControllerBuild[] = ['tsx', 'dist'];

/** Parses one --phases entry; `known` are the phase names. Throws a message naming the bad part. */
export function parsePhaseToken(token: string, known: readonly string[]): PhaseToken {
  const m = /^([a-z-]+)(?::([^@+]*))?(?:@([^+]*))?(?:\+(.*))?$/.exec(token);
  if (!m) throw new Error(`phase "${token}": expected <phase>[:tsx|:dist][@${WRITE_ROUTE_FLAGS.join('|')}][+${MEMBER_ACCESS_MODES.join('|+')}]`);
  const [, name = '', build, route, access] = m;
  if (!known.includes(name)) throw new Error(`unknown phase ${name} in "${token}" (known: ${known.join(', ')})`);
  if (build !== undefined && !BUILDS.includes(build as ControllerBuild)) throw new Error(`phase "${token}": the controller is tsx or dist, not "${build}"`);
  if (route !== undefined && !WRITE_ROUTE_FLAGS.includes(route as WriteRouteFlag)) throw new Error(`phase "${token}": the write route is ${WRITE_ROUTE_FLAGS.join(', ')}, not "${route}"`);
  if (access !== undefined && !(MEMBER_ACCESS_MODES as readonly string[]).includes(access)) throw new Error(`phase "${token}": the member access is ${MEMBER_ACCESS_MODES.join(' or ')}, not "${access}"`);
  return {
    name,
    build: build as ControllerBuild | undefined,
    route: route as WriteRouteFlag | undefined,
    access: access as MemberAccessMode | undefined,
    suffix: `${build === undefined ? '' : `:${build}`}${route === undefined ? '' : `@${route}`}${access === undefined ? '' : `+${access}`}`,
  };
}
