import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Membership, ProjectRole, UserRecord } from '../../src/storage/ports/records.js';
import type { OpenHarness } from './harness.js';
import { checkPaging, name, sorted, type Stores, T1, T2, user, useStores } from './store-fixtures.js';

/** The UserStore port's promises (src/storage/ports/user-store.repository.ts), for any backend. */
export function userStoreContract(backend: string, open: OpenHarness<Stores>): void {
  describe(`UserStore contract (${backend})`, () => {
    const { store, newProject, newUser } = useStores(open);

    describe('users', () => {
      it('creates a user and finds it by name, uuid and token hash', async () => {
        const p = await newProject();
        const u = await newUser({
          serviceRoles: ['service_admin', 'metrics_viewer'],
          projects: [{ projectUuid: p.uuid, roles: ['project_admin', 'consumer'] }],
          createdBy: randomUUID(),
        });
        assert.deepEqual(await store.users.userByName(u.name), u);
        assert.deepEqual(await store.users.userByUuid(u.uuid), u);
        assert.deepEqual(await store.users.userByTokenHash(u.tokenHash), u);
        assert.equal(await store.users.userByName(name('missing')), null);
        assert.equal(await store.users.userByUuid(randomUUID()), null);
        assert.equal(await store.users.userByTokenHash('f'.repeat(64)), null);
      });

      it('refuses a second user with a taken name', async () => {
        const u = await newUser();
        assert.equal(await store.users.createUser(user({ name: u.name })), false);
        assert.deepEqual(await store.users.userByName(u.name), u);
      });

      it('finds several users by uuid or name, skipping unknown ones', async () => {
        const a = await newUser();
        const b = await newUser();
        await newUser();
        const byUuid = await store.users.usersByUuid([a.uuid, randomUUID(), b.uuid]);
        assert.deepEqual(sorted(byUuid.map((u) => u.name)), sorted([a.name, b.name]));
        const byName = await store.users.usersByName([b.name, name('missing'), a.name]);
        assert.deepEqual(sorted(byName.map((u) => u.uuid)), sorted([a.uuid, b.uuid]));
        assert.deepEqual(await store.users.usersByUuid([]), []);
        assert.deepEqual(await store.users.usersByName([]), []);
      });

      it('updates fields, roles and memberships', async () => {
        const p = await newProject();
        const u = await newUser();
        const patch = {
          email: 'new@example.org',
          firstName: 'F',
          lastName: 'L',
          organization: 'O',
          description: 'D',
          serviceRoles: ['admin_viewer'] as const,
          projects: [{ projectUuid: p.uuid, roles: ['publisher'] as const }],
          modifiedOn: T1,
        };
        const updated = await store.users.updateUser(u.uuid, patch);
        assert.deepEqual(updated, { ...u, ...patch });
        assert.deepEqual(await store.users.userByUuid(u.uuid), updated);
        const emptied = await store.users.updateUser(u.uuid, { serviceRoles: [], projects: [], modifiedOn: T1 });
        assert.ok(typeof emptied === 'object');
        assert.deepEqual(emptied.serviceRoles, []);
        assert.deepEqual(emptied.projects, []);
      });

      it('replaces a token: the old hash no longer finds the user', async () => {
        const u = await newUser();
        const tokenHash = 'a'.repeat(64);
        const updated = await store.users.updateUser(u.uuid, { tokenHash, tokenSealed: 'resealed', modifiedOn: T1 });
        assert.deepEqual(updated, { ...u, tokenHash, tokenSealed: 'resealed', modifiedOn: T1 });
        assert.equal(await store.users.userByTokenHash(u.tokenHash), null);
        assert.deepEqual(await store.users.userByTokenHash(tokenHash), updated);
      });

      it("renames; a rename onto a taken name is 'name-taken'; an unknown user is 'missing'", async () => {
        const a = await newUser();
        const b = await newUser();
        const newName = name('renamed');
        assert.deepEqual(await store.users.updateUser(a.uuid, { name: newName, modifiedOn: T1 }), { ...a, name: newName, modifiedOn: T1 });
        assert.equal(await store.users.userByName(a.name), null);
        assert.equal(await store.users.updateUser(b.uuid, { name: newName, modifiedOn: T1 }), 'name-taken');
        assert.deepEqual(await store.users.userByUuid(b.uuid), b);
        assert.equal(await store.users.updateUser(randomUUID(), { email: 'x', modifiedOn: T1 }), 'missing');
      });

      it('deletes a user once', async () => {
        const u = await newUser();
        assert.equal(await store.users.deleteUser(u.uuid), true);
        assert.equal(await store.users.userByUuid(u.uuid), null);
        assert.equal(await store.users.userByName(u.name), null);
        assert.equal(await store.users.userByTokenHash(u.tokenHash), null);
        assert.equal(await store.users.deleteUser(u.uuid), false);
      });

      it('lists the members of a project newest first, page by page', async () => {
        const p = await newProject();
        const other = await newProject();
        const members: UserRecord[] = [];
        for (let i = 0; i < 5; i++) {
          members.push(await newUser({ projects: [{ projectUuid: p.uuid, roles: ['consumer'] }] }));
          await newUser({ projects: [{ projectUuid: other.uuid, roles: ['consumer'] }] });
        }
        const newestFirst = members.map((u) => u.name).reverse();
        for (const size of [1, 2, 5, 7]) {
          await checkPaging((page) => store.users.listUsers({ projectUuid: p.uuid }, page), (u) => u.name, newestFirst, size);
        }
      });

      it('lists all users newest first', async () => {
        const a = await newUser();
        const b = await newUser();
        const page = await store.users.listUsers({}, { size: 0 });
        assert.ok(page !== null);
        assert.deepEqual(
          page.items.map((u) => u.name).filter((n) => n === a.name || n === b.name),
          [b.name, a.name],
        );
        assert.equal(page.total, page.items.length);
      });
    });

    describe('memberships', () => {
      const roleSets: readonly (readonly ProjectRole[])[] = [['consumer'], ['publisher'], ['project_admin', 'consumer'], []];

      it('setMembership puts the membership last with its new roles, changed or added; null for an unknown user', async () => {
        const [a, b, c] = [await newProject(), await newProject(), await newProject()];
        const u = await newUser({
          projects: [
            { projectUuid: a.uuid, roles: ['consumer'] },
            { projectUuid: b.uuid, roles: ['publisher'] },
          ],
        });
        const changed = await store.users.setMembership(u.uuid, { projectUuid: a.uuid, roles: ['project_admin'] }, T1);
        assert.deepEqual(changed?.projects, [
          { projectUuid: b.uuid, roles: ['publisher'] },
          { projectUuid: a.uuid, roles: ['project_admin'] },
        ]);
        assert.deepEqual(changed?.modifiedOn, T1);
        const added = await store.users.setMembership(u.uuid, { projectUuid: c.uuid, roles: [] }, T2);
        assert.deepEqual(added?.projects.map((m) => m.projectUuid), [b.uuid, a.uuid, c.uuid]);
        assert.deepEqual(await store.users.userByUuid(u.uuid), added);
        assert.equal(await store.users.setMembership(randomUUID(), { projectUuid: a.uuid, roles: [] }, T1), null);
      });

      it('addMembership adds only where the user holds no membership yet', async () => {
        const [a, b] = [await newProject(), await newProject()];
        const u = await newUser({ projects: [{ projectUuid: a.uuid, roles: ['consumer'] }] });
        assert.equal(await store.users.addMembership(u.uuid, { projectUuid: a.uuid, roles: [] }, T1), false);
        assert.equal(await store.users.addMembership(u.uuid, { projectUuid: b.uuid, roles: [] }, T1), true);
        assert.deepEqual((await store.users.userByUuid(u.uuid))?.projects, [
          { projectUuid: a.uuid, roles: ['consumer'] },
          { projectUuid: b.uuid, roles: [] },
        ]);
        assert.equal(await store.users.addMembership(randomUUID(), { projectUuid: b.uuid, roles: [] }, T1), false);
      });

      it('removeMembership removes that membership only; null for an unknown user', async () => {
        const [a, b] = [await newProject(), await newProject()];
        const u = await newUser({
          projects: [
            { projectUuid: a.uuid, roles: ['consumer'] },
            { projectUuid: b.uuid, roles: ['publisher'] },
          ],
        });
        const removed = await store.users.removeMembership(u.uuid, a.uuid, T2);
        assert.deepEqual(removed?.projects, [{ projectUuid: b.uuid, roles: ['publisher'] }]);
        assert.deepEqual(removed?.modifiedOn, T2);
        assert.deepEqual((await store.users.removeMembership(u.uuid, a.uuid, T2))?.projects, removed?.projects);
        assert.equal(await store.users.removeMembership(randomUUID(), a.uuid, T2), null);
      });

      it('20 concurrent role changes of one user across projects lose none', async () => {
        const projects = await Promise.all(Array.from({ length: 20 }, () => newProject()));
        const held = projects.slice(0, 10).map((p) => ({ projectUuid: p.uuid, roles: ['consumer'] as ProjectRole[] }));
        const u = await newUser({ projects: held });
        const wanted = projects.map((p, i) => ({ projectUuid: p.uuid, roles: [...roleSets[i % roleSets.length]] }));
        await Promise.all(wanted.map((m) => store.users.setMembership(u.uuid, m, T1)));
        const after = await store.users.userByUuid(u.uuid);
        assert.deepEqual(sortedMemberships(after?.projects ?? []), sortedMemberships(wanted));
      });

      it('concurrent adds, role changes and removals of one user lose none', async () => {
        const projects = await Promise.all(Array.from({ length: 20 }, () => newProject()));
        const u = await newUser({ projects: projects.slice(0, 10).map((p) => ({ projectUuid: p.uuid, roles: ['consumer'] })) });
        await Promise.all(
          projects.map((p, i) =>
            i % 2 === 0
              ? store.users.removeMembership(u.uuid, p.uuid, T1)
              : i < 10
                ? store.users.setMembership(u.uuid, { projectUuid: p.uuid, roles: ['publisher'] }, T1)
                : store.users.addMembership(u.uuid, { projectUuid: p.uuid, roles: [] }, T1),
          ),
        );
        const expected = projects.flatMap((p, i): Membership[] =>
          i % 2 === 0 ? [] : [{ projectUuid: p.uuid, roles: i < 10 ? ['publisher'] : [] }],
        );
        assert.deepEqual(sortedMemberships((await store.users.userByUuid(u.uuid))?.projects ?? []), sortedMemberships(expected));
      });
    });
  });
}

function sortedMemberships(memberships: readonly Membership[]): Membership[] {
  return [...memberships].sort((x, y) => (x.projectUuid < y.projectUuid ? -1 : 1));
}
