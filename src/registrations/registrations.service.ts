import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Caller } from '../auth/caller.js';
import { newSecret, TokenVault } from '../auth/token-vault.js';
import { AmsError } from '../common/ams-error.js';
import { isValidName } from '../common/names.js';
import { Clock, formatSeconds } from '../common/time.js';
import { type RegistrationChange, type RegistrationFilter, REGISTRATIONS, type RegistrationStore } from '../storage/ports/registration-store.repository.js';
import { USERS, type UserStore } from '../storage/ports/user-store.repository.js';
import type { RegistrationRecord } from '../storage/ports/records.js';
import type { UserDto } from '../users/dto/user.dto.js';
import { UsersService } from '../users/users.service.js';
import type { DeclineDto, RegisterDto, RegistrationDto, RegistrationListDto } from './dto/registration.dto.js';

const missing = (): AmsError => AmsError.notFound('User registration');

/** The fields that put a registration back as it was while pending (undoing an accept whose user was not created). */
const pendingAgain = (r: RegistrationRecord): RegistrationChange => ({
  status: 'pending',
  declineComment: r.declineComment,
  activationToken: r.activationToken,
  modifiedBy: r.modifiedBy,
  modifiedAt: r.modifiedAt,
});

/**
 * The sign-up flow (spec 3.4, 4.9): a sign-up front end registers a future user (`pending`), a service admin accepts
 * it, which creates the user exactly as `POST /users/{name}` does, or declines it. A decision is one conditional
 * status change in the store, so two admins deciding the same registration at once cannot both win.
 */
@Injectable()
export class RegistrationsService {
  constructor(
    @Inject(REGISTRATIONS) private readonly registrationStore: RegistrationStore,
    @Inject(USERS) private readonly userStore: UserStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(TokenVault) private readonly vault: TokenVault,
  ) {}

  async register(body: RegisterDto): Promise<RegistrationDto> {
    const name = body.name ?? '';
    // The original stores any name; one that could never be a user name is refused here (spec 5.2).
    if (!isValidName(name)) throw AmsError.invalid('Invalid User Arguments');
    if ((await this.userStore.userByName(name)) !== null) throw AmsError.alreadyExists('User');
    const registration: RegistrationRecord = {
      uuid: randomUUID(),
      name,
      firstName: body.first_name ?? '',
      lastName: body.last_name ?? '',
      organization: body.organization ?? '',
      description: body.description ?? '',
      email: body.email ?? '',
      status: 'pending',
      declineComment: '',
      // Sealed (spec 8.11), in the form that seals equal tokens equally, so `?activation_token=` still finds it.
      activationToken: this.vault.sealForLookup(newSecret()),
      registeredAt: this.clock.now(),
      modifiedBy: null,
      modifiedAt: null,
    };
    if (!(await this.registrationStore.createRegistration(registration))) throw AmsError.internal('Backend Error');
    return this.view(registration);
  }

  async list(filter: RegistrationFilter): Promise<RegistrationListDto> {
    const sealed =
      filter.activationToken === undefined ? filter : { ...filter, activationToken: this.vault.sealForLookup(filter.activationToken) };
    return { user_registrations: (await this.registrationStore.listRegistrations(sealed)).map((r) => this.view(r)) };
  }

  async show(uuid: string): Promise<RegistrationDto> {
    const registration = await this.registrationStore.registrationByUuid(uuid);
    if (registration === null) throw missing();
    return this.view(registration);
  }

  /**
   * Claims the registration first (pending -> accepted, conditional), then creates the user; if the user cannot be
   * created (a user has that name: 409) the claim is undone and the registration stays pending. Of two concurrent
   * accepts only the one that claimed creates a user; the other finds the registration not pending (404).
   */
  async accept(caller: Caller, uuid: string): Promise<UserDto> {
    const registration = await this.pending(uuid);
    // No user-name check before the claim: a concurrent accept that already created the user would then make this
    // one a 409 instead of the 404 of a registration that is no longer pending. UsersService.create checks the name.
    const claimed = await this.registrationStore.changeRegistration(uuid, 'pending', this.decision(caller, 'accepted', ''));
    if (claimed === null) throw missing();
    try {
      return await this.users.create(caller, registration.name, {
        email: registration.email,
        first_name: registration.firstName,
        last_name: registration.lastName,
        organization: registration.organization,
        description: registration.description,
      });
    } catch (err) {
      await this.registrationStore.changeRegistration(uuid, 'accepted', pendingAgain(registration)).catch(() => null);
      throw err;
    }
  }

  async decline(caller: Caller, uuid: string, body: DeclineDto): Promise<Record<string, never>> {
    await this.pending(uuid);
    const declined = await this.registrationStore.changeRegistration(uuid, 'pending', this.decision(caller, 'declined', body.comment ?? ''));
    if (declined === null) throw missing();
    return {};
  }

  async delete(uuid: string): Promise<void> {
    if (!(await this.registrationStore.deleteRegistration(uuid))) throw missing();
  }

  /** Accept and decline apply to pending registrations only; any other is "doesn't exist" to them (spec 3.4). */
  private async pending(uuid: string): Promise<RegistrationRecord> {
    const registration = await this.registrationStore.registrationByUuid(uuid);
    if (registration === null || registration.status !== 'pending') throw missing();
    return registration;
  }

  /** A decided registration keeps who decided and when; its activation token has served its purpose and is cleared. */
  private decision(caller: Caller, status: 'accepted' | 'declined', declineComment: string): RegistrationChange {
    return {
      status,
      declineComment,
      activationToken: null,
      modifiedBy: caller.user?.name ?? null,
      modifiedAt: this.clock.now(),
    };
  }

  /** The Registration representation of spec 3.0; optional fields are absent when empty. */
  private view(r: RegistrationRecord): RegistrationDto {
    // A token stored in clear by an older build does not open: shown as it is.
    const activationToken = r.activationToken === null ? null : (this.vault.unseal(r.activationToken) ?? r.activationToken);
    return {
      uuid: r.uuid,
      name: r.name,
      first_name: r.firstName,
      last_name: r.lastName,
      organization: r.organization,
      description: r.description,
      email: r.email,
      status: r.status,
      ...(r.declineComment ? { decline_comment: r.declineComment } : {}),
      ...(activationToken !== null ? { activation_token: activationToken } : {}),
      registered_at: formatSeconds(r.registeredAt),
      ...(r.modifiedBy ? { modified_by: r.modifiedBy } : {}),
      ...(r.modifiedAt !== null ? { modified_at: formatSeconds(r.modifiedAt) } : {}),
    };
  }
}
