import { expect } from 'chai';
import { FakeClock, type Clock } from '../clock.js';
import type { ProcessingTimes, WorkQueueMetrics } from './metrics.js';
import { WorkQueue } from './queue.js';
import { RateLimitingQueue } from './ratelimiting.js';
import { mustGet } from '../../../test/support/workqueue.js';

/** Records every metric call with the fake time it happened at. */
class RecordingMetrics implements WorkQueueMetrics {
  readonly events: string[] = [];
  depthValue = 0;
  source: ProcessingTimes | undefined;
  binds = 0;
  constructor(private readonly clock: Clock) {}
  private log(e: string): void {
    this.events.push(`${this.clock.now()} ${e}`);
  }
  readonly depth = {
    inc: (): void => {
      this.depthValue++;
      this.log('depth+');
    },
    dec: (): void => {
      this.depthValue--;
      this.log('depth-');
    },
  };
  readonly adds = { inc: (): void => this.log('adds') };
  readonly queueDuration = { observe: (s: number): void => this.log(`queue ${s}`) };
  readonly workDuration = { observe: (s: number): void => this.log(`work ${s}`) };
  readonly retries = { inc: (): void => this.log('retries') };
  bindProcessingTimes(source: ProcessingTimes): void {
    this.binds++;
    this.source = source;
  }
}

describe('work queue metrics', () => {
  it('reports adds, depth, queue and work durations like client-go', async () => {
    const clock = new FakeClock();
    const metrics = new RecordingMetrics(clock);
    const q = new WorkQueue({ clock, metrics, name: 'serviceimports' });
    expect(q.name).to.equal('serviceimports');

    q.add('a');
    q.add('a'); // de-duplicated: no metrics
    clock.advance(100);
    await mustGet(q);
    clock.advance(50);
    q.add('a'); // dirty while processing: counted in depth, as client-go does
    expect(metrics.depthValue).to.equal(1);
    expect(q.len()).to.equal(0);
    clock.advance(250);
    q.done('a');
    clock.advance(100);
    await mustGet(q);
    q.done('a');

    expect(metrics.events).to.deep.equal([
      '0 adds',
      '0 depth+',
      '100 depth-',
      '100 queue 0.1',
      '150 adds',
      '150 depth+',
      '400 work 0.3',
      '500 depth-',
      '500 queue 0.35',
      '500 work 0',
    ]);
    expect(metrics.depthValue).to.equal(0);
  });

  it('counts a retry for every addAfter and addRateLimited', () => {
    const clock = new FakeClock();
    const metrics = new RecordingMetrics(clock);
    const q = new RateLimitingQueue({ clock, metrics });
    q.addAfter('a', 0);
    q.addAfter('b', 10);
    q.addRateLimited('c');
    expect(metrics.events.filter((e) => e.endsWith('retries'))).to.have.length(3);
    q.shutDown();
    q.addAfter('d', 10);
    expect(metrics.events.filter((e) => e.endsWith('retries'))).to.have.length(3);
  });

  it('binds live unfinished-work and longest-running-processor readings once', async () => {
    const clock = new FakeClock();
    const metrics = new RecordingMetrics(clock);
    const q = new WorkQueue({ clock, metrics });
    expect(metrics.binds).to.equal(1);
    const source = metrics.source!;
    expect([source.unfinishedWorkSeconds(), source.longestRunningProcessorSeconds()]).to.deep.equal([0, 0]);

    q.add('a');
    q.add('b');
    await mustGet(q);
    clock.advance(3000);
    await mustGet(q);
    clock.advance(1000);
    // a has run 4 s, b 1 s.
    expect(source.unfinishedWorkSeconds()).to.equal(5);
    expect(source.longestRunningProcessorSeconds()).to.equal(4);
    expect(q.unfinishedWorkSeconds()).to.equal(5);

    q.done('a');
    expect(source.unfinishedWorkSeconds()).to.equal(1);
    expect(source.longestRunningProcessorSeconds()).to.equal(1);
    q.done('b');
    expect([source.unfinishedWorkSeconds(), source.longestRunningProcessorSeconds()]).to.deep.equal([0, 0]);
  });

  it('works without metrics (no-op default)', async () => {
    const q = new RateLimitingQueue({ clock: new FakeClock() });
    q.add('a');
    q.done(await mustGet(q));
    q.shutDown();
  });
});
