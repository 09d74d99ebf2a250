import { Inject, Injectable } from '@nestjs/common';
import { AmsError } from '../common/ams-error.js';
import type { AclDto } from '../common/dto/acl.dto.js';
import { USERS, type UserStore } from '../storage/ports/user-store.repository.js';
import type { ProjectRecord } from '../storage/ports/records.js';

/** `authorized_users` of topics and subscriptions: stored as user uuids, shown as names (spec 2.4). */
@Injectable()
export class AclService {
  constructor(@Inject(USERS) private readonly userStore: UserStore) {}

  /** Names of the users in an ACL; users deleted since are skipped. */
  async view(uuids: readonly string[]): Promise<AclDto> {
    const users = await this.userStore.usersByUuid(uuids);
    const nameOf = new Map(users.map((u) => [u.uuid, u.name]));
    return { authorized_users: uuids.flatMap((uuid) => nameOf.get(uuid) ?? []) };
  }

  /** The uuids for a new ACL; every name must be a member of the project, else 404 naming all that are not. */
  async resolve(project: ProjectRecord, names: readonly string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    const users = await this.userStore.usersByName(unique);
    const members = new Map(
      users.filter((u) => u.projects.some((m) => m.projectUuid === project.uuid)).map((u) => [u.name, u.uuid]),
    );
    const missing = unique.filter((name) => !members.has(name));
    if (missing.length > 0) throw new AmsError(404, 'NOT_FOUND', `User(s): ${missing.join(', ')} do not exist`);
    return unique.map((name) => members.get(name) as string);
  }
}
