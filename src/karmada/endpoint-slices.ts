/**
 * One member's EndpointSlices, watched only while local-first needs them
 * (docs/design.md#local-first): nothing else reads them, and in a large
 * cluster they are the biggest and busiest collection the controller would
 * watch. The cluster manager turns the watch on when some control-plane
 * ServiceImport uses local-first and off when none does.
 *
 * Until the watch has listed (and while it is down) the slices are unknown,
 * not empty: `of()` says undefined, and a local-first decision keeps what
 * the member has rather than failing over because it sees no ready local
 * endpoint. When they become known (or stop being known) `onKnownChange`
 * fires, so the member's keys are decided again. The member's reachability
 * does not depend on this watch: a member is not unreachable for keys that
 * do not use local-first.
 */
import { key } from '../api/meta.js';
import type { EndpointSlice } from '../api/core.js';
import type { Informer } from '../runtime/cache/informer.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export class EndpointSliceWatch {
  private informer: Informer<EndpointSlice> | undefined;
  /** ns/service → slices, kept by the informer's events (the cache has no label index). */
  private readonly byService = new Map<string, Map<string, EndpointSlice>>();
  private started = false;
  private wasKnown = false;

  constructor(
    private readonly make: () => Informer<EndpointSlice>,
    /** A slice of `<svc>` or `derived-<svc>` changed: key ns/<svc>. */
    private readonly onKeys: (keys: string[]) => void,
    /** known() changed. */
    private readonly onKnownChange: () => void,
  ) {}

  /** Wanted or not; a wanted watch runs while the member is started. */
  want(on: boolean): void {
    if (on === (this.informer !== undefined)) return;
    if (on) {
      const i = this.make();
      this.informer = i;
      i.onEvent((t, sl) => {
        if (this.informer === i) this.apply(t, sl);
      });
      i.onHealthChange(() => {
        if (this.informer === i) this.checkKnown();
      });
      if (this.started) i.start();
      return;
    }
    const i = this.informer;
    this.informer = undefined;
    this.byService.clear();
    void i?.stop();
    this.checkKnown();
  }

  wanted(): boolean {
    return this.informer !== undefined;
  }

  start(): void {
    this.started = true;
    this.informer?.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.informer?.stop();
  }

  /** The watch, while wanted: for health and reasons. */
  current(): Informer | undefined {
    return this.informer as unknown as Informer | undefined;
  }

  /** Listed and watching: what of() returns is the member's current state. */
  known(): boolean {
    const h = this.informer?.health();
    return h !== undefined && h.synced && h.running;
  }

  /** Slices of `<service>` in `namespace`; undefined while not known(). */
  of(namespace: string, service: string): EndpointSlice[] | undefined {
    if (!this.known()) return undefined;
    return [...(this.byService.get(key(namespace, service))?.values() ?? [])];
  }

  private apply(t: 'add' | 'update' | 'delete', sl: EndpointSlice): void {
    const svc = sl.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc) return;
    const k = key(sl.metadata.namespace ?? '', svc);
    let m = this.byService.get(k);
    if (t === 'delete') {
      m?.delete(sl.metadata.name);
      if (m?.size === 0) this.byService.delete(k);
    } else {
      if (!m) this.byService.set(k, (m = new Map()));
      m.set(sl.metadata.name, sl);
    }
    this.onKeys([key(sl.metadata.namespace ?? '', svc.startsWith('derived-') ? svc.slice('derived-'.length) : svc)]);
  }

  private checkKnown(): void {
    const now = this.known();
    if (now === this.wasKnown) return;
    this.wasKnown = now;
    this.onKnownChange();
  }
}
