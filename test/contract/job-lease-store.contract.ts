import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { JobLeaseStore } from '../../src/storage/ports/job-lease-store.repository.js';
import type { Harness, OpenHarness } from './harness.js';

const T0 = new Date('2024-03-01T10:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

/** The JobLeaseStore contract: the same cases on every backend. */
export function jobLeaseStoreContract(backend: string, open: OpenHarness<JobLeaseStore>): void {
  describe(`JobLeaseStore contract on ${backend}`, () => {
    let harness: Harness<JobLeaseStore>;
    let leases: JobLeaseStore;
    before(async () => {
      harness = await open();
      leases = harness.port;
    });
    after(() => harness.close());

    const lease = (): string => `job/${randomUUID()}`;

    it('a free lease is taken, and a second holder is refused until it expires', async () => {
      const name = lease();
      assert.equal(await leases.acquire(name, 'a', T0, 1000), true);
      assert.equal(await leases.acquire(name, 'b', at(999), 1000), false);
      assert.equal(await leases.acquire(name, 'b', at(1000), 1000), true, 'expired at exactly its expiry');
      assert.equal(await leases.acquire(name, 'a', at(1001), 1000), false, 'the old holder lost it');
    });

    it('the holder renews its lease, which pushes the expiry out', async () => {
      const name = lease();
      assert.equal(await leases.acquire(name, 'a', T0, 1000), true);
      assert.equal(await leases.acquire(name, 'a', at(900), 1000), true);
      assert.equal(await leases.acquire(name, 'b', at(1500), 1000), false, 'renewed until 1900');
      assert.deepEqual(await leases.list(name), [{ name, holder: 'a', expiresAt: at(1900) }]);
    });

    it('release frees the lease for others, and only its holder can release it', async () => {
      const name = lease();
      await leases.acquire(name, 'a', T0, 60_000);
      await leases.release(name, 'b');
      assert.equal(await leases.acquire(name, 'b', at(1), 60_000), false, 'b could not release a lease of a');
      await leases.release(name, 'a');
      assert.equal(await leases.acquire(name, 'b', at(2), 60_000), true);
    });

    it('of many concurrent contenders for a free lease exactly one wins', async () => {
      const name = lease();
      const holders = Array.from({ length: 12 }, (_, i) => `h${i}`);
      const won = await Promise.all(holders.map((holder) => leases.acquire(name, holder, T0, 1000)));
      assert.equal(won.filter(Boolean).length, 1);
      const [stored] = await leases.list(name);
      assert.equal(stored.holder, holders[won.indexOf(true)]);
    });

    it('of many concurrent contenders for an expired lease exactly one wins', async () => {
      const name = lease();
      await leases.acquire(name, 'old', T0, 1000);
      const holders = Array.from({ length: 12 }, (_, i) => `h${i}`);
      const won = await Promise.all(holders.map((holder) => leases.acquire(name, holder, at(5000), 1000)));
      assert.equal(won.filter(Boolean).length, 1);
    });

    it('list answers the leases of a prefix by name, literal characters only', async () => {
      const prefix = `push/${randomUUID()}.`;
      await leases.acquire(`${prefix}b`, 'x', T0, 1000);
      await leases.acquire(`${prefix}a`, 'y', T0, 2000);
      await leases.acquire(`${prefix.replace('.', 'X')}c`, 'z', T0, 1000); // '.' is no wildcard
      assert.deepEqual(await leases.list(prefix), [
        { name: `${prefix}a`, holder: 'y', expiresAt: at(2000) },
        { name: `${prefix}b`, holder: 'x', expiresAt: at(1000) },
      ]);
    });

    it('deleteExpired removes only leases expired before the given time', async () => {
      const prefix = `gc/${randomUUID()}/`;
      await leases.acquire(`${prefix}old`, 'x', T0, 1000);
      await leases.acquire(`${prefix}live`, 'x', T0, 10_000);
      const removed = await leases.deleteExpired(at(5000));
      assert.ok(removed >= 1);
      assert.deepEqual((await leases.list(prefix)).map((l) => l.name), [`${prefix}live`]);
    });
  });
}
