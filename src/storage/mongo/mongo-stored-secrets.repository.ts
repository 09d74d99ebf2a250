import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection, mongo } from 'mongoose';
import type { ClearSecretRewrite, StoredSecrets } from '../ports/stored-secrets.repository.js';
import { StoreUnavailableError } from '../ports/store-errors.js';
import { isMongoUnavailable } from './mongo-errors.js';

interface MetaDoc {
  _id: string;
  value: string;
}

interface UserSecretDoc {
  uuid: string;
  tokenHash: string;
  tokenSealed: string;
}

const SCHEME_ID = 'token_hash_scheme';
const SEALED_ID = 'sealed_secrets_scheme';

interface PushSecretDoc {
  _id: unknown;
  pushConfig: { authorizationHeader?: { value?: string } } | null;
}

interface RegistrationSecretDoc {
  _id: unknown;
  activationToken: string | null;
}

/**
 * StoredSecrets on MongoDB. No multi-document transaction (the test server has none): each user is one conditional
 * update from the hash it was read with, so replicas starting together write the same values and never undo each
 * other; the scheme document is written last, so a replica that died half-way leaves the next start to finish.
 */
@Injectable()
export class MongoStoredSecrets implements StoredSecrets {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** The store on a connection made outside Nest (tests). */
  static on(connection: Connection): MongoStoredSecrets {
    return new MongoStoredSecrets(connection);
  }

  private collection<T extends object>(name: string): mongo.Collection<T> {
    return this.connection.collection<T>(name) as unknown as mongo.Collection<T>;
  }

  async rehashUserTokens(scheme: string, hashOf: (sealedToken: string) => string | null): Promise<{ rehashed: number; unopened: number }> {
    try {
      const meta = this.collection<MetaDoc>('meta');
      if ((await meta.findOne({ _id: SCHEME_ID }))?.value === scheme) return { rehashed: 0, unopened: 0 };
      const users = this.collection<UserSecretDoc>('users');
      let rehashed = 0;
      let unopened = 0;
      for await (const user of users.find({}, { projection: { uuid: 1, tokenHash: 1, tokenSealed: 1 } })) {
        const hash = hashOf(user.tokenSealed);
        if (hash === null) unopened += 1;
        else if (hash !== user.tokenHash) {
          rehashed += (await users.updateOne({ uuid: user.uuid, tokenHash: user.tokenHash }, { $set: { tokenHash: hash } })).modifiedCount;
        }
      }
      await meta.updateOne({ _id: SCHEME_ID }, { $set: { value: scheme } }, { upsert: true });
      return { rehashed, unopened };
    } catch (err) {
      if (isMongoUnavailable(err)) throw new StoreUnavailableError('mongodb', err);
      throw err;
    }
  }

  async sealClearSecrets(scheme: string, rewrite: ClearSecretRewrite): Promise<number> {
    try {
      const meta = this.collection<MetaDoc>('meta');
      if ((await meta.findOne({ _id: SEALED_ID }))?.value === scheme) return 0;
      let sealed = 0;
      const subscriptions = this.collection<PushSecretDoc>('subscriptions');
      for await (const doc of subscriptions.find({ 'pushConfig.authorizationHeader.value': { $nin: [null, ''] } })) {
        const value = doc.pushConfig?.authorizationHeader?.value;
        if (!value || rewrite.isSealed(value)) continue;
        const changed = await subscriptions.updateOne(
          { _id: doc._id, 'pushConfig.authorizationHeader.value': value },
          { $set: { 'pushConfig.authorizationHeader.value': rewrite.sealPushValue(value) } },
        );
        sealed += changed.modifiedCount;
      }
      const registrations = this.collection<RegistrationSecretDoc>('registrations');
      for await (const doc of registrations.find({ activationToken: { $ne: null } })) {
        const token = doc.activationToken;
        if (token === null || rewrite.isSealed(token)) continue;
        const changed = await registrations.updateOne(
          { _id: doc._id, activationToken: token },
          { $set: { activationToken: rewrite.sealActivationToken(token) } },
        );
        sealed += changed.modifiedCount;
      }
      await meta.updateOne({ _id: SEALED_ID }, { $set: { value: scheme } }, { upsert: true });
      return sealed;
    } catch (err) {
      if (isMongoUnavailable(err)) throw new StoreUnavailableError('mongodb', err);
      throw err;
    }
  }
}
