import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { StoredSecrets } from '../ports/stored-secrets.repository.js';
import { StoreUnavailableError } from '../ports/store-errors.js';
import { isMongoUnavailable } from './mongo-metadata-store.repository.js';

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

  private collection<T extends object>(name: string): Collection<T> {
    return this.connection.collection<T>(name) as unknown as Collection<T>;
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
}
