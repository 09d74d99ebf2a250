import { Injectable } from '@nestjs/common';
import type { RegistrationRecord, RegistrationStatus } from '../ports/records.js';
import type { RegistrationChange, RegistrationFilter, RegistrationStore } from '../ports/registration-store.repository.js';
import { inCreationOrder, insert, one, registrationFrom, setOf, update } from './mongo-docs.js';
import { run } from './mongo-errors.js';
import { MongoModels } from './mongo-models.js';

@Injectable()
export class MongoRegistrationStore implements RegistrationStore {
  constructor(private readonly m: MongoModels) {}

  createRegistration(r: RegistrationRecord): Promise<boolean> {
    return insert(this.m.registrations, { ...r });
  }

  registrationByUuid(uuid: string): Promise<RegistrationRecord | null> {
    return one(this.m.registrations, { uuid }, registrationFrom);
  }

  /** Only the fields given, each an exact string match (values are strings, never operators). */
  listRegistrations(filter: RegistrationFilter): Promise<RegistrationRecord[]> {
    return inCreationOrder(this.m.registrations, setOf(filter) as Record<string, string>, registrationFrom);
  }

  /** One conditional update on the registration document: applies only while the status is still `from`. */
  async changeRegistration(uuid: string, from: RegistrationStatus, change: RegistrationChange): Promise<RegistrationRecord | null> {
    const outcome = await update(this.m.registrations, { uuid, status: from }, { ...change }, registrationFrom);
    return typeof outcome === 'string' ? null : outcome;
  }

  deleteRegistration(uuid: string): Promise<boolean> {
    return run(async () => (await this.m.registrations.deleteOne({ uuid })).deletedCount === 1);
  }
}
