import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { RegistrationRecord } from '../../src/storage/ports/records.js';
import type { RegistrationFilter } from '../../src/storage/ports/registration-store.repository.js';
import type { OpenHarness } from './harness.js';
import { name, registration, type Stores, T1, useStores } from './store-fixtures.js';

/** The RegistrationStore port's promises (src/storage/ports/registration-store.repository.ts), for any backend. */
export function registrationStoreContract(backend: string, open: OpenHarness<Stores>): void {
  describe(`RegistrationStore contract (${backend})`, () => {
    const { store } = useStores(open);

    describe('registrations', () => {
      async function newRegistration(overrides: Partial<RegistrationRecord> = {}): Promise<RegistrationRecord> {
        const r = registration(overrides);
        assert.equal(await store.registrations.createRegistration(r), true);
        return r;
      }

      const accepted = { status: 'accepted', declineComment: '', activationToken: null, modifiedBy: 'admin', modifiedAt: T1 } as const;

      it('creates a registration and finds it by uuid; a taken uuid is refused', async () => {
        const r = await newRegistration({ description: 'ümlaut "quoted"' });
        assert.deepEqual(await store.registrations.registrationByUuid(r.uuid), r);
        assert.equal(await store.registrations.createRegistration(registration({ uuid: r.uuid })), false);
        assert.deepEqual(await store.registrations.registrationByUuid(r.uuid), r);
        assert.equal(await store.registrations.registrationByUuid(randomUUID()), null);
      });

      it('keeps decided registrations with every field (null token, comment, decider, time)', async () => {
        const r = await newRegistration({ status: 'declined', declineComment: 'no', activationToken: null, modifiedBy: 'x', modifiedAt: T1 });
        assert.deepEqual(await store.registrations.registrationByUuid(r.uuid), r);
      });

      it('lists in registration order, filtered by every field exactly', async () => {
        const org = name('org');
        const a = await newRegistration({ organization: org, email: 'a@example.org' });
        const b = await newRegistration({ organization: org, email: 'b@example.org' });
        const c = await newRegistration({ organization: org, email: 'a@example.org', status: 'declined', activationToken: null });
        await newRegistration({ organization: `${org}-other` });
        const uuids = async (filter: RegistrationFilter): Promise<string[]> =>
          (await store.registrations.listRegistrations(filter)).map((r) => r.uuid);
        assert.deepEqual(await uuids({ organization: org }), [a.uuid, b.uuid, c.uuid]);
        assert.deepEqual(await store.registrations.listRegistrations({ organization: org }), [a, b, c]);
        assert.deepEqual(await uuids({ organization: org, email: 'a@example.org' }), [a.uuid, c.uuid]);
        assert.deepEqual(await uuids({ organization: org, status: 'pending' }), [a.uuid, b.uuid]);
        assert.deepEqual(await uuids({ organization: org, status: 'declined' }), [c.uuid]);
        assert.deepEqual(await uuids({ name: b.name }), [b.uuid]);
        assert.deepEqual(await uuids({ activationToken: a.activationToken as string }), [a.uuid]);
        assert.deepEqual(await uuids({ organization: org.toUpperCase() }), []);
        assert.deepEqual(await uuids({ organization: org.slice(0, -1) }), []);
        assert.deepEqual(await uuids({ status: 'nonsense' }), []);
        const all = await uuids({});
        assert.deepEqual(all.filter((u) => [a.uuid, b.uuid, c.uuid].includes(u)), [a.uuid, b.uuid, c.uuid]);
      });

      it('changes a registration only from the expected status', async () => {
        const r = await newRegistration();
        assert.equal(await store.registrations.changeRegistration(r.uuid, 'accepted', { ...accepted, status: 'declined' }), null);
        assert.deepEqual(await store.registrations.registrationByUuid(r.uuid), r);
        const changed = await store.registrations.changeRegistration(r.uuid, 'pending', accepted);
        assert.deepEqual(changed, { ...r, ...accepted });
        assert.deepEqual(await store.registrations.registrationByUuid(r.uuid), changed);
        assert.equal(await store.registrations.changeRegistration(r.uuid, 'pending', { ...accepted, status: 'declined' }), null);
        assert.deepEqual(await store.registrations.registrationByUuid(r.uuid), changed);
        // and back (an accept whose user could not be created is undone)
        const undo = { status: 'pending', declineComment: '', activationToken: r.activationToken, modifiedBy: null, modifiedAt: null } as const;
        assert.deepEqual(await store.registrations.changeRegistration(r.uuid, 'accepted', undo), r);
        assert.equal(await store.registrations.changeRegistration(randomUUID(), 'pending', accepted), null);
      });

      it('two decisions racing on one pending registration: exactly one applies', async () => {
        for (let round = 0; round < 5; round++) {
          const r = await newRegistration();
          const declined = { ...accepted, status: 'declined', declineComment: 'late' } as const;
          const results = await Promise.all([
            store.registrations.changeRegistration(r.uuid, 'pending', accepted),
            store.registrations.changeRegistration(r.uuid, 'pending', declined),
            store.registrations.changeRegistration(r.uuid, 'pending', accepted),
          ]);
          const winners = results.filter((x) => x !== null);
          assert.equal(winners.length, 1, `round ${round}`);
          assert.deepEqual(await store.registrations.registrationByUuid(r.uuid), winners[0]);
        }
      });

      it('deletes a registration once', async () => {
        const r = await newRegistration();
        assert.equal(await store.registrations.deleteRegistration(r.uuid), true);
        assert.equal(await store.registrations.registrationByUuid(r.uuid), null);
        assert.equal(await store.registrations.deleteRegistration(r.uuid), false);
      });
    });
  });
}
