import type { RegistrationRecord, RegistrationStatus } from './records.js';

export const REGISTRATIONS = Symbol('RegistrationStore');

/** Exact-match filters of `GET /registrations` (spec 3.4); absent fields do not filter. */
export interface RegistrationFilter {
  readonly status?: string;
  readonly name?: string;
  readonly email?: string;
  readonly organization?: string;
  readonly activationToken?: string;
}

/** The fields a decision (or its undoing) changes on a registration. */
export type RegistrationChange = Pick<
  RegistrationRecord,
  'status' | 'declineComment' | 'activationToken' | 'modifiedBy' | 'modifiedAt'
>;

/** User registrations (spec 3.4). */
export interface RegistrationStore {
  /** False when the uuid is taken. */
  createRegistration(registration: RegistrationRecord): Promise<boolean>;
  registrationByUuid(uuid: string): Promise<RegistrationRecord | null>;
  /** Registrations matching every given filter field exactly, in registration order (oldest first). */
  listRegistrations(filter: RegistrationFilter): Promise<RegistrationRecord[]>;
  /**
   * Applies the change only while the registration's status is still `from` (one atomic conditional update), so of
   * two racing decisions on one registration exactly one applies. Answers the changed record, or null when the
   * registration does not exist or its status is no longer `from`.
   */
  changeRegistration(uuid: string, from: RegistrationStatus, change: RegistrationChange): Promise<RegistrationRecord | null>;
  deleteRegistration(uuid: string): Promise<boolean>;
}
