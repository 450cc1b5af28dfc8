/**
 * The ports of a merged ServiceImport (KEP-1645, "Service Port"): the union
 * of the exported Services' ports, merged first by name and then by protocol
 * and port number, so that, as in a Service, no two ports share a name (the
 * empty name included) or a protocol and port. Where two ports clash, the
 * one from the older export is kept.
 */
import type { ServicePort } from '../api/core.js';
import type { ServiceImportPort } from '../api/mcs.js';

/** One export's ports, its exports ordered oldest first. */
export interface PortsOf {
  cluster: string;
  ports: readonly ServicePort[];
}

/** A port left out of the union because an older export's port clashes with it. */
export interface DroppedPort {
  cluster: string;
  port: ServiceImportPort;
  keptInstead: ServiceImportPort;
}

export interface MergedPorts {
  ports: ServiceImportPort[];
  dropped: DroppedPort[];
}

/** The port as the import states it: protocol defaulted to TCP, an empty name left out. */
export function importPort(p: ServicePort): ServiceImportPort {
  return {
    ...(p.name ? { name: p.name } : {}),
    protocol: p.protocol ?? 'TCP',
    port: p.port,
    ...(p.appProtocol !== undefined && { appProtocol: p.appProtocol }),
  };
}

const clashes = (a: ServiceImportPort, b: ServiceImportPort) =>
  (a.name ?? '') === (b.name ?? '') || (a.protocol === b.protocol && a.port === b.port);

export const portText = (p: ServiceImportPort) =>
  `${p.name ? `"${p.name}" ` : ''}${p.port}/${p.protocol}${p.appProtocol ? ` (${p.appProtocol})` : ''}`;

/** The union of every export's ports; `oldestFirst` must be ordered by precedence. */
export function mergePorts(oldestFirst: readonly PortsOf[]): MergedPorts {
  const ports: ServiceImportPort[] = [];
  const dropped: DroppedPort[] = [];
  for (const { cluster, ports: own } of oldestFirst) {
    for (const port of own.map(importPort)) {
      const kept = ports.find((k) => clashes(k, port));
      if (!kept) ports.push(port);
      else if (portText(kept) !== portText(port)) dropped.push({ cluster, port, keptInstead: kept });
    }
  }
  return { ports, dropped };
}

/** One export's ports as a value that is equal for equal sets, whatever their order. */
export const portSetKey = (ports: readonly ServicePort[]): string =>
  ports
    .map((p) => portText(importPort(p)))
    .sort()
    .join(', ');
