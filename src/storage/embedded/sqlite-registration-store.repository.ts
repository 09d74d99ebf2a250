import { Injectable } from '@nestjs/common';
import type { RegistrationRecord, RegistrationStatus } from '../ports/records.js';
import type { RegistrationChange, RegistrationFilter, RegistrationStore } from '../ports/registration-store.repository.js';
import { SqliteAdapter } from './sqlite-adapter.js';
import { REGISTRATION_FILTER_COLUMNS, registrationFrom } from './sqlite-rows.js';

@Injectable()
export class SqliteRegistrationStore extends SqliteAdapter implements RegistrationStore {
  async createRegistration(r: RegistrationRecord): Promise<boolean> {
    return this.insertUnique(
      `INSERT INTO registrations (uuid, name, first_name, last_name, organization, description, email, status,
         decline_comment, activation_token, registered_at, modified_by, modified_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.uuid,
        r.name,
        r.firstName,
        r.lastName,
        r.organization,
        r.description,
        r.email,
        r.status,
        r.declineComment,
        r.activationToken,
        r.registeredAt.getTime(),
        r.modifiedBy,
        r.modifiedAt?.getTime() ?? null,
      ],
    );
  }

  async registrationByUuid(uuid: string): Promise<RegistrationRecord | null> {
    return this.one('SELECT * FROM registrations WHERE uuid = ?', [uuid], registrationFrom);
  }

  async listRegistrations(filter: RegistrationFilter): Promise<RegistrationRecord[]> {
    const conditions = ['1 = 1'];
    const params: unknown[] = [];
    for (const [field, column] of Object.entries(REGISTRATION_FILTER_COLUMNS)) {
      const value = filter[field as keyof RegistrationFilter];
      if (value === undefined) continue;
      conditions.push(`${column} = ?`);
      params.push(value);
    }
    return this.all(`SELECT * FROM registrations WHERE ${conditions.join(' AND ')} ORDER BY seq`, params, registrationFrom);
  }

  async changeRegistration(uuid: string, from: RegistrationStatus, change: RegistrationChange): Promise<RegistrationRecord | null> {
    return this.db.transaction((): RegistrationRecord | null => {
      const applied = this.sql(
        `UPDATE registrations SET status = ?, decline_comment = ?, activation_token = ?, modified_by = ?, modified_at = ?
         WHERE uuid = ? AND status = ?`,
      ).run(change.status, change.declineComment, change.activationToken, change.modifiedBy, change.modifiedAt?.getTime() ?? null, uuid, from);
      return applied.changes === 1 ? this.one('SELECT * FROM registrations WHERE uuid = ?', [uuid], registrationFrom) : null;
    })();
  }

  async deleteRegistration(uuid: string): Promise<boolean> {
    return this.sql('DELETE FROM registrations WHERE uuid = ?').run(uuid).changes === 1;
  }
}
