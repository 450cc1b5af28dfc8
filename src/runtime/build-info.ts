/**
 * What build this process runs: the package version, the commit it was built
 * from, and the Node.js version. Read by `clusterset-dns version` and
 * exported as clusterset_dns_build_info.
 *
 * The commit comes from dist/build-info.json, which `npm run build` writes
 * (hack/build-info.ts). Run from source (tsx) there is no build, so it is
 * "unknown"; so is a build whose file is missing or unreadable. Reading it
 * never fails: a process must not refuse to start over a label.
 */
import { readFileSync } from 'node:fs';

export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  readonly nodeVersion: string;
}

export const UNKNOWN = 'unknown';

/** A non-empty string field of a JSON object text, else undefined (missing, malformed, wrong type). */
function field(text: string | undefined, name: string): string | undefined {
  if (text === undefined) return undefined;
  try {
    const v = (JSON.parse(text) as Record<string, unknown> | null)?.[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The build info from the two files' texts (undefined when a file could not be read). */
export function parseBuildInfo(packageJson: string | undefined, buildInfoJson: string | undefined, nodeVersion: string): BuildInfo {
  return {
    version: field(packageJson, 'version') ?? UNKNOWN,
    commit: field(buildInfoJson, 'commit') ?? UNKNOWN,
    nodeVersion,
  };
}

function readOrUndefined(url: URL): string | undefined {
  try {
    return readFileSync(url, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * This process's build. Paths are relative to this file, which is
 * src/runtime/ from source and dist/runtime/ once built: package.json two
 * levels up in both, build-info.json one level up (dist/ only).
 */
export function readBuildInfo(): BuildInfo {
  return parseBuildInfo(
    readOrUndefined(new URL('../../package.json', import.meta.url)),
    readOrUndefined(new URL('../build-info.json', import.meta.url)),
    process.version,
  );
}
