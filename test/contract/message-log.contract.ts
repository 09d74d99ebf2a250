import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LogNotFoundError, type MessageLog } from '../../src/storage/ports/message-log.repository.js';
import type { NewMessage } from '../../src/storage/ports/records.js';
import type { OpenHarness } from './harness.js';

const newLogId = (): string => `contract-${randomUUID()}`;

const batch = (prefix: string, count: number, attributes: Record<string, string> = {}): NewMessage[] =>
  Array.from({ length: count }, (_, i) => ({ data: `${prefix}-${i}`, attributes }));

/**
 * Who deletes expired messages: the store itself when house-keeping calls `expireBefore` (embedded), or the broker
 * by the topic's `retention.ms`, so that `expireBefore` deletes nothing (Kafka).
 */
export type RetentionBy = 'store' | 'broker';

/** The service's retention the harnesses configure (AMS_MESSAGE_RETENTION_S), for logs created without their own. */
export const DEFAULT_RETENTION_S = 7200;

/** A moment later than every publish time handed out so far, for backends whose clock may repeat a microsecond. */
const nextMillisecond = (): Promise<void> => new Promise((done) => setTimeout(done, 2));

/** The MessageLog port's promises (src/storage/ports/message-log.repository.ts), for any backend. */
export function messageLogContract(backend: string, open: OpenHarness<MessageLog>, retentionBy: RetentionBy): void {
  describe(`MessageLog contract (${backend})`, () => {
    let log: MessageLog;
    let close: () => Promise<void>;
    before(async () => {
      const harness = await open();
      log = harness.port;
      close = () => harness.close();
    });
    after(async () => {
      await close();
    });

    /** A created log holding `count` messages `m-0`, `m-1`, ...; returns its id. */
    async function filledLog(count: number): Promise<string> {
      const id = newLogId();
      await log.createLog(id);
      if (count > 0) await log.append(id, batch('m', count));
      return id;
    }

    it('listLogs names the created logs, not the deleted ones', async () => {
      // Plain UUIDs, as topics get them: only names of that shape count as logs on Kafka.
      const kept = randomUUID();
      const deleted = randomUUID();
      await log.createLog(kept);
      await log.createLog(deleted);
      await log.deleteLog(deleted);
      const ids = new Set(await log.listLogs());
      assert.ok(ids.has(kept));
      assert.ok(!ids.has(deleted));
      await log.deleteLog(kept);
      assert.ok(!(await log.listLogs()).includes(kept));
    });

    it('a new log is empty, and so is one that does not exist', async () => {
      const id = newLogId();
      assert.deepEqual(await log.bounds(id), { min: 0, max: 0 });
      await log.createLog(id);
      assert.deepEqual(await log.bounds(id), { min: 0, max: 0 });
      assert.deepEqual(await log.read(id, 0, 10, 1024 * 1024), []);
    });

    it('appends and reads back data and attributes', async () => {
      const id = newLogId();
      await log.createLog(id);
      const messages: NewMessage[] = [
        { data: 'msg 1', attributes: {} },
        { data: 'aGVsbG8=', attributes: { station: 'A1', 'key with "quotes"': 'value\nwith newline' } },
        { data: '', attributes: { empty: '' } },
        { data: 'ümlaut \u{1F4E8} {"json":true}', attributes: { 'ключ': 'значение' } },
      ];
      const appended = await log.append(id, messages);
      assert.deepEqual(
        appended.map((a) => a.offset),
        [0, 1, 2, 3],
      );
      const read = await log.read(id, 0, 100, 1024 * 1024);
      assert.deepEqual(
        read.map((m) => ({ offset: m.offset, data: m.data, attributes: m.attributes, publishTime: m.publishTime })),
        messages.map((m, i) => ({ ...m, offset: i, publishTime: appended[i].publishTime })),
      );
    });

    it('numbers from 0 without gaps across appends and keeps publish times non-decreasing', async () => {
      const id = newLogId();
      await log.createLog(id);
      const offsets: number[] = [];
      const times: number[] = [];
      for (const size of [1, 3, 1, 5, 2]) {
        const appended = await log.append(id, batch(`b${size}`, size));
        assert.equal(appended.length, size);
        offsets.push(...appended.map((a) => a.offset));
        times.push(...appended.map((a) => a.publishTime));
      }
      assert.deepEqual(offsets, Array.from({ length: 12 }, (_, i) => i));
      for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1], `publish time ${i} goes backwards`);
      assert.ok(times[0] > Date.UTC(2020, 0, 1) * 1000, 'publish times are epoch microseconds');
      assert.deepEqual(await log.bounds(id), { min: 0, max: 12 });
    });

    it('an empty append assigns nothing', async () => {
      const id = await filledLog(2);
      assert.deepEqual(await log.append(id, []), []);
      assert.deepEqual(await log.bounds(id), { min: 0, max: 2 });
    });

    it('concurrent appends get distinct offsets, gap-free, each batch in its own order', async () => {
      const id = newLogId();
      await log.createLog(id);
      const batches = await Promise.all(Array.from({ length: 10 }, (_, b) => log.append(id, batch(`c${b}`, 5))));
      const all = batches.flatMap((appended) => appended.map((a) => a.offset)).sort((x, y) => x - y);
      assert.deepEqual(all, Array.from({ length: 50 }, (_, i) => i));
      for (const appended of batches) {
        for (let i = 1; i < appended.length; i++) assert.ok(appended[i].offset > appended[i - 1].offset);
      }
      const read = await log.read(id, 0, 100, 1024 * 1024);
      for (const [b, appended] of batches.entries()) {
        for (const [i, a] of appended.entries()) assert.equal(read[a.offset].data, `c${b}-${i}`);
      }
    });

    it('reads from any offset, never more than max', async () => {
      const id = await filledLog(10);
      const cases: [number, number, number[]][] = [
        [0, 3, [0, 1, 2]],
        [4, 2, [4, 5]],
        [7, 100, [7, 8, 9]],
        [9, 1, [9]],
        [10, 5, []], // at the end
        [25, 5, []], // past the end
      ];
      for (const [from, max, expected] of cases) {
        const read = await log.read(id, from, max, 1024 * 1024);
        assert.deepEqual(
          read.map((m) => m.offset),
          expected,
          `read(${from}, ${max})`,
        );
        assert.deepEqual(
          read.map((m) => m.data),
          expected.map((o) => `m-${o}`),
        );
      }
    });

    it('readWithBounds reads like read and brings the bounds, for a missing log too', async () => {
      const id = await filledLog(6);
      const cases: [number, number, number[]][] = [
        [0, 2, [0, 1]],
        [3, 100, [3, 4, 5]],
        [6, 5, []], // at the end
        [40, 5, []], // past the end (a cursor of a re-created topic)
      ];
      for (const [from, max, expected] of cases) {
        const read = await log.readWithBounds(id, from, max, 1024 * 1024);
        assert.deepEqual(read.bounds, { min: 0, max: 6 }, `readWithBounds(${from}, ${max})`);
        assert.deepEqual(read.messages.map((m) => m.offset), expected, `readWithBounds(${from}, ${max})`);
        assert.deepEqual(read.messages.map((m) => m.data), expected.map((o) => `m-${o}`));
      }
      assert.deepEqual(await log.readWithBounds(newLogId(), 3, 10, 1024 * 1024), { bounds: { min: 0, max: 0 }, messages: [] });
    });

    it('reads of different logs run concurrently and each sees its own messages', async () => {
      const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => filledLog(i + 1)));
      const [withBounds, tails] = await Promise.all([
        Promise.all(ids.map((id) => log.readWithBounds(id, 0, 100, 1024 * 1024))),
        Promise.all(ids.map((id, i) => log.read(id, i, 100, 1024 * 1024))),
      ]);
      for (const [i] of ids.entries()) {
        assert.deepEqual(withBounds[i].bounds, { min: 0, max: i + 1 });
        assert.equal(withBounds[i].messages.length, i + 1);
        assert.deepEqual(tails[i].map((m) => m.offset), [i]);
      }
    });

    it('returns max messages when they are many and large, and none past maxBytes', async () => {
      const id = newLogId();
      await log.createLog(id);
      const big = 'b'.repeat(8 * 1024);
      for (let i = 0; i < 3; i++) {
        await log.append(id, Array.from({ length: 100 }, (_, j) => ({ data: `${big}${i * 100 + j}`, attributes: {} })));
      }
      const all = await log.read(id, 0, 300, 64 * 1024 * 1024);
      assert.deepEqual(all.map((m) => m.offset), Array.from({ length: 300 }, (_, i) => i));
      const some = await log.readWithBounds(id, 10, 300, 20 * 8 * 1024);
      assert.ok(some.messages.length >= 19 && some.messages.length <= 21, `${some.messages.length} messages`);
      assert.equal(some.messages[0].offset, 10);
      assert.deepEqual(some.bounds, { min: 0, max: 300 });
    });

    it('stops at about maxBytes, but always returns the first message', async () => {
      const id = newLogId();
      await log.createLog(id);
      await log.append(
        id,
        Array.from({ length: 10 }, (_, i) => ({ data: `${i}`.padEnd(1000, 'x'), attributes: {} })),
      );
      const one = await log.read(id, 2, 10, 1);
      assert.deepEqual(
        one.map((m) => m.offset),
        [2],
        'a message larger than maxBytes still comes back alone',
      );
      const some = await log.read(id, 0, 10, 3500);
      assert.ok(some.length >= 1 && some.length < 10, `about 3500 bytes of 1000-byte messages, got ${some.length}`);
      assert.deepEqual(
        some.map((m) => m.offset),
        Array.from({ length: some.length }, (_, i) => i),
      );
      const all = await log.read(id, 0, 10, 1024 * 1024);
      assert.equal(all.length, 10);
    });

    it('finds the first offset published at or after a time', async () => {
      const id = newLogId();
      await log.createLog(id);
      const appended = [
        ...(await log.append(id, batch('t1', 3))),
        ...(await log.append(id, batch('t2', 2))),
        ...(await log.append(id, batch('t3', 4))),
      ];
      const firstAtOrAfter = (time: number): number | null => {
        const index = appended.findIndex((a) => a.publishTime >= time);
        return index === -1 ? null : appended[index].offset;
      };
      const last = appended[appended.length - 1].publishTime;
      const probes = [0, appended[0].publishTime, ...appended.map((a) => a.publishTime + 1), last, last + 1, last + 60_000_000];
      for (const time of probes) {
        assert.equal(await log.offsetAtTime(id, time), firstAtOrAfter(time), `time ${time}`);
      }
      assert.equal(await log.offsetAtTime(id, 0), 0);
      assert.equal(await log.offsetAtTime(id, last + 1), null);
    });

    it('has no offset for any time in an empty or missing log', async () => {
      const id = newLogId();
      await log.createLog(id);
      assert.equal(await log.offsetAtTime(id, 0), null);
      assert.equal(await log.offsetAtTime(newLogId(), 0), null);
    });

    it('creating an existing log keeps its messages', async () => {
      const id = await filledLog(3);
      await log.createLog(id);
      assert.deepEqual(await log.bounds(id), { min: 0, max: 3 });
      assert.equal((await log.read(id, 0, 10, 1024 * 1024)).length, 3);
    });

    it('deleteLog removes the messages; reads are empty and appends fail', async () => {
      const id = await filledLog(4);
      const other = await filledLog(2);
      await log.deleteLog(id);
      assert.deepEqual(await log.bounds(id), { min: 0, max: 0 });
      assert.deepEqual(await log.read(id, 0, 10, 1024 * 1024), []);
      await assert.rejects(log.append(id, batch('late', 1)), LogNotFoundError);
      assert.deepEqual(await log.bounds(other), { min: 0, max: 2 }, 'other logs are untouched');
      await log.deleteLog(newLogId()); // deleting what is not there is no error
    });

    it('a deleted log is gone at once while other logs of the same size are untouched', async () => {
      const big = await filledLog(5000);
      const other = await filledLog(3);
      await log.deleteLog(big);
      assert.deepEqual(await log.read(big, 0, 10, 1024 * 1024), []);
      assert.deepEqual(await log.read(big, 4990, 10, 1024 * 1024), []);
      assert.equal(await log.offsetAtTime(big, 0), null);
      assert.deepEqual(
        (await log.read(other, 0, 10, 1024 * 1024)).map((m) => m.data),
        ['m-0', 'm-1', 'm-2'],
      );
    });

    if (retentionBy === 'store') {
      it('expire deletes the oldest messages older than the log\'s retention and raises min; offsets go on', async () => {
        const id = newLogId();
        await log.createLog(id, 600);
        await log.append(id, batch('old', 3));
        await nextMillisecond();
        const kept = await log.append(id, batch('new', 4));
        const keptExpires = kept[0].publishTime + 600 * 1_000_000;
        assert.equal(await log.expire(id, keptExpires - 1, 100), 3);
        assert.deepEqual(await log.bounds(id), { min: 3, max: 7 });
        assert.deepEqual(
          (await log.read(id, 0, 10, 1024 * 1024)).map((m) => [m.offset, m.data]),
          [[3, 'new-0'], [4, 'new-1'], [5, 'new-2'], [6, 'new-3']],
        );
        assert.equal(await log.offsetAtTime(id, 0), 3, 'a time before the oldest message answers min');
        assert.equal(await log.expire(id, keptExpires - 1, 100), 0, 'nothing older is left');
        assert.deepEqual(
          (await log.append(id, batch('later', 1))).map((a) => a.offset),
          [7],
          'offsets are never reused',
        );
      });

      it('expire deletes at most `limit` per call, and everything once all is older', async () => {
        const id = await filledLog(10); // the service's retention: DEFAULT_RETENTION_S
        await nextMillisecond();
        const after = (Date.now() + DEFAULT_RETENTION_S * 1000) * 1000 + 1_000_000;
        assert.equal(await log.expire(id, after - 2_000_000_000, 100), 0, 'within the retention');
        assert.equal(await log.expire(id, after, 4), 4);
        assert.deepEqual(await log.bounds(id), { min: 4, max: 10 });
        assert.equal(await log.expire(id, after, 100), 6);
        assert.deepEqual(await log.bounds(id), { min: 10, max: 10 });
        assert.deepEqual(await log.read(id, 0, 10, 1024 * 1024), []);
        assert.equal(await log.offsetAtTime(id, 0), null);
        assert.equal(await log.expire(newLogId(), after, 100), 0, 'a missing log expires nothing');
      });

      it('setRetention changes what expires; null goes back to the service\'s retention', async () => {
        const id = newLogId();
        await log.createLog(id, 600);
        const appended = await log.append(id, batch('r', 2));
        const at = (seconds: number): number => appended[1].publishTime + seconds * 1_000_000;
        await log.setRetention(id, 3600);
        assert.equal(await log.expire(id, at(601), 100), 0, 'kept for an hour now');
        await log.setRetention(id, null);
        assert.equal(await log.expire(id, at(3601), 100), 0, 'kept for the service\'s retention');
        assert.equal(await log.expire(id, at(DEFAULT_RETENTION_S + 1), 100), 2);
      });

      it('a log re-created under the id of a deleted one starts empty', async () => {
        const id = await filledLog(3000);
        await log.deleteLog(id);
        await log.createLog(id);
        assert.deepEqual(await log.bounds(id), { min: 0, max: 0 });
        assert.deepEqual(await log.read(id, 0, 10, 1024 * 1024), []);
        assert.deepEqual(
          (await log.append(id, batch('again', 2))).map((a) => a.offset),
          [0, 1],
        );
        assert.deepEqual(
          (await log.read(id, 0, 10, 1024 * 1024)).map((m) => m.data),
          ['again-0', 'again-1'],
        );
      });
    } else {
      it('expire leaves expiry to the broker: nothing changes', async () => {
        const id = newLogId();
        await log.createLog(id, 600);
        await log.append(id, batch('m', 3));
        assert.equal(await log.expire(id, (Date.now() + 3600_000) * 1000, 100), 0);
        assert.deepEqual(await log.bounds(id), { min: 0, max: 3 });
      });
    }

    it('appending to a log that was never created throws LogNotFoundError', async () => {
      const id = newLogId();
      await assert.rejects(log.append(id, batch('x', 2)), (err: unknown) => {
        assert.ok(err instanceof LogNotFoundError, String(err));
        assert.equal(err.logId, id);
        return true;
      });
      assert.deepEqual(await log.bounds(id), { min: 0, max: 0 });
    });
  });
}
