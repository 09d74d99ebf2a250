import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { BATCH_RETRY_LIMIT_MS, batchIdsForgettableBefore, UsageCounter, utcDay } from '../../src/metrics/usage-counter.js';
import { SqliteFile } from '../../src/storage/embedded/sqlite-file.js';
import { SqliteCounterStore } from '../../src/storage/embedded/sqlite-counter-store.repository.js';
import { SqliteProjectStore } from '../../src/storage/embedded/sqlite-project-store.repository.js';
import type { CounterStore } from '../../src/storage/ports/counter-store.repository.js';
import type { DailyCount, DailyCountBatch } from '../../src/storage/ports/records.js';
import { ManualClock } from '../support/clocks.js';

type Writer = Pick<CounterStore, 'addDailyCounts'>;

/** Records every batch it is handed; fails the calls whose (1-based) number is in `failing`. */
class RecordingStore implements Writer {
  readonly calls: DailyCountBatch[] = [];
  constructor(private readonly failing: ReadonlySet<number> = new Set()) {}

  async addDailyCounts(batch: DailyCountBatch): Promise<void> {
    this.calls.push(batch);
    if (this.failing.has(this.calls.length)) throw new Error(`write ${this.calls.length} failed`);
  }
}

const at = (iso: string): Date => new Date(iso);
const byKey = (counts: readonly DailyCount[]): DailyCount[] =>
  [...counts].sort((a, b) => `${a.projectUuid}${a.topicName}${a.day}`.localeCompare(`${b.projectUuid}${b.topicName}${b.day}`));

describe('utcDay', () => {
  it('is the UTC calendar day', () => {
    assert.equal(utcDay(at('2024-03-01T00:00:00.000Z')), '2024-03-01');
    assert.equal(utcDay(at('2024-03-01T23:59:59.999Z')), '2024-03-01');
    assert.equal(utcDay(at('2024-03-01T23:30:00.000-02:00')), '2024-03-02');
  });
});

describe('UsageCounter', () => {
  before(() => Logger.overrideLogger(false)); // its warnings about failed writes are expected here
  it('sums publishes per project, topic and UTC day, and writes them in one batch', async () => {
    const store = new RecordingStore();
    const counter = new UsageCounter(store);
    counter.recordPublish('p1', 't1', 3, 30, at('2024-03-01T10:00:00Z'));
    counter.recordPublish('p1', 't1', 2, 5, at('2024-03-01T23:59:59.999Z'));
    counter.recordPublish('p1', 't1', 1, 1, at('2024-03-02T00:00:00Z'));
    counter.recordPublish('p1', 't2', 4, 40, at('2024-03-01T12:00:00Z'));
    counter.recordPublish('p2', 't1', 5, 50, at('2024-03-01T12:00:00Z'));
    counter.recordPublish('p2', 't1', 0, 0, at('2024-03-01T12:00:00Z')); // nothing published: nothing counted
    assert.equal(store.calls.length, 0, 'recording never writes');
    assert.equal(counter.pending, true);

    await counter.flush();
    assert.equal(store.calls.length, 1);
    assert.deepEqual(
      byKey(store.calls[0].counts),
      byKey([
        { projectUuid: 'p1', topicName: 't1', day: '2024-03-01', messages: 5, bytes: 35 },
        { projectUuid: 'p1', topicName: 't1', day: '2024-03-02', messages: 1, bytes: 1 },
        { projectUuid: 'p1', topicName: 't2', day: '2024-03-01', messages: 4, bytes: 40 },
        { projectUuid: 'p2', topicName: 't1', day: '2024-03-01', messages: 5, bytes: 50 },
      ]),
    );
    assert.equal(counter.pending, false);
  });

  it('writes nothing when nothing was counted', async () => {
    const store = new RecordingStore();
    const counter = new UsageCounter(store);
    await counter.flush();
    assert.equal(store.calls.length, 0);
  });

  it('clears what it wrote: the next flush carries only newer counts, under a new batch id', async () => {
    const store = new RecordingStore();
    const counter = new UsageCounter(store);
    counter.recordPublish('p', 't', 2, 2, at('2024-03-01T10:00:00Z'));
    await counter.flush();
    counter.recordPublish('p', 't', 1, 1, at('2024-03-01T10:00:01Z'));
    await counter.flush();
    await counter.flush();
    assert.equal(store.calls.length, 2);
    assert.deepEqual(store.calls[1].counts, [{ projectUuid: 'p', topicName: 't', day: '2024-03-01', messages: 1, bytes: 1 }]);
    assert.notEqual(store.calls[0].id, store.calls[1].id);
  });

  it('keeps a batch whose write failed and retries it unchanged, same id, before newer counts', async () => {
    const store = new RecordingStore(new Set([1]));
    const counter = new UsageCounter(store);
    counter.recordPublish('p', 't', 2, 20, at('2024-03-01T10:00:00Z'));
    await assert.rejects(counter.flush(), /write 1 failed/);
    assert.equal(counter.pending, true);

    counter.recordPublish('p', 't', 3, 30, at('2024-03-01T10:00:10Z'));
    await counter.flush();
    assert.equal(store.calls.length, 3);
    assert.deepEqual(store.calls[1], store.calls[0], 'the failed batch again, as it was');
    assert.notEqual(store.calls[2].id, store.calls[0].id);
    assert.deepEqual(store.calls[2].counts, [{ projectUuid: 'p', topicName: 't', day: '2024-03-01', messages: 3, bytes: 30 }]);
    assert.equal(counter.pending, false);
  });

  it('during an outage, retries only the failed batch and keeps adding newer counts up in memory', async () => {
    const store = new RecordingStore(new Set([1, 2, 3]));
    const counter = new UsageCounter(store);
    counter.recordPublish('p', 't', 1, 1, at('2024-03-01T10:00:00Z'));
    await assert.rejects(counter.flush());
    counter.recordPublish('p', 't', 2, 2, at('2024-03-01T10:00:10Z'));
    await assert.rejects(counter.flush());
    counter.recordPublish('p', 't', 3, 3, at('2024-03-01T10:00:20Z'));
    await assert.rejects(counter.flush());
    assert.deepEqual(
      store.calls.map((b) => b.id),
      [store.calls[0].id, store.calls[0].id, store.calls[0].id],
      'one batch, tried three times',
    );
    await counter.flush();
    assert.equal(store.calls.length, 5);
    assert.equal(store.calls[3].id, store.calls[0].id);
    assert.deepEqual(store.calls[4].counts, [{ projectUuid: 'p', topicName: 't', day: '2024-03-01', messages: 5, bytes: 5 }]);
    assert.equal(counter.pending, false);
  });

  it('runs concurrent flushes one after another: each batch is written once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const written: DailyCountBatch[] = [];
    const slow: Writer = {
      async addDailyCounts(batch) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        written.push(batch);
        inFlight -= 1;
      },
    };
    const counter = new UsageCounter(slow);
    counter.recordPublish('p', 't', 1, 1, at('2024-03-01T10:00:00Z'));
    const first = counter.flush();
    counter.recordPublish('p', 't', 1, 1, at('2024-03-01T10:00:00Z'));
    await Promise.all([first, counter.flush(), counter.flush()]);
    assert.equal(maxInFlight, 1);
    assert.equal(new Set(written.map((b) => b.id)).size, written.length);
    assert.equal(written.reduce((sum, b) => sum + b.counts.reduce((s, c) => s + c.messages, 0), 0), 2);
  });

  it('flushes periodically, on shutdown, and no longer periodically after it', async () => {
    const store = new RecordingStore();
    const counter = new UsageCounter(store);
    counter.recordPublish('p', 't', 3, 3, at('2024-03-01T10:00:00Z'));
    await counter.flushPeriodically();
    assert.equal(store.calls.length, 1);
    counter.recordPublish('p', 't', 7, 7, at('2024-03-01T10:00:00Z'));
    await counter.beforeApplicationShutdown();
    assert.equal(store.calls.length, 2);
    counter.recordPublish('p', 't', 1, 1, at('2024-03-01T10:00:00Z')); // still in flight while the server closed
    await counter.flushPeriodically();
    assert.equal(store.calls.length, 2, 'the periodic flush stopped with the shutdown');
    await counter.onApplicationShutdown();
    assert.equal(store.calls.length, 3);
    await counter.onApplicationShutdown();
    assert.equal(store.calls.length, 3, 'nothing left to write');
  });

  it('retries a failing batch unchanged for a day, then gives it up and writes newer counts', async () => {
    const store = new RecordingStore(new Set([1, 2]));
    const clock = new ManualClock();
    const counter = new UsageCounter(store, clock);
    counter.recordPublish('p', 't', 2, 2, clock.now());
    await assert.rejects(counter.flush());
    clock.advance(BATCH_RETRY_LIMIT_MS / 1000);
    counter.recordPublish('p', 't', 5, 5, clock.now());
    await assert.rejects(counter.flush()); // the same batch, exactly at the limit: still retried
    assert.equal(store.calls[1].id, store.calls[0].id);
    clock.advance(1);
    await counter.flush();
    assert.equal(store.calls.length, 3, 'the old batch is given up without another try');
    assert.notEqual(store.calls[2].id, store.calls[0].id);
    assert.deepEqual(store.calls[2].counts.map((c) => c.messages), [5]);
    assert.equal(counter.pending, false);
  });

  it('batch ids of counters are forgettable two retry limits and an hour back', () => {
    assert.equal(batchIdsForgettableBefore(at('2024-03-10T00:59:59Z')), '2024-03-07');
    assert.equal(batchIdsForgettableBefore(at('2024-03-10T01:00:00Z')), '2024-03-08');
  });

  it('shutdown does not throw when the store is down; the counts stay pending', async () => {
    const counter = new UsageCounter(new RecordingStore(new Set([1, 2])));
    counter.recordPublish('p', 't', 1, 1, at('2024-03-01T10:00:00Z'));
    await counter.beforeApplicationShutdown();
    await counter.onApplicationShutdown();
    assert.equal(counter.pending, true);
  });

  describe('with the embedded store', () => {
    let dataDir: string;
    let file: SqliteFile;
    let store: SqliteCounterStore;
    let projects: SqliteProjectStore;
    before(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'ams-usage-counter-'));
      file = new SqliteFile({ dataDir, sqliteSynchronous: 'NORMAL' });
      store = new SqliteCounterStore(file);
      projects = new SqliteProjectStore(file);
    });
    after(() => {
      file.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a write that succeeded but reported failure is retried without double counting', async () => {
      const project = { uuid: randomUUID(), name: `p-${randomUUID()}`, description: '', createdOn: new Date(), modifiedOn: new Date(), createdBy: null };
      assert.equal(await projects.createProject(project), true);
      let calls = 0;
      const flaky: Writer = {
        async addDailyCounts(batch) {
          calls += 1;
          await store.addDailyCounts(batch);
          if (calls === 1) throw new Error('connection reset after the write');
        },
      };
      const counter = new UsageCounter(flaky);
      counter.recordPublish(project.uuid, 't', 4, 40, at('2024-03-01T10:00:00Z'));
      await assert.rejects(counter.flush());
      counter.recordPublish(project.uuid, 't', 1, 10, at('2024-03-01T11:00:00Z'));
      await counter.flush();
      assert.deepEqual(await store.dailyCounts({ projectUuids: [project.uuid], fromDay: '2024-03-01', toDay: '2024-03-01' }), [
        { projectUuid: project.uuid, topicName: 't', day: '2024-03-01', messages: 5, bytes: 50 },
      ]);
    });
  });
});
