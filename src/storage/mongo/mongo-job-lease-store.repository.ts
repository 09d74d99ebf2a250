import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection, mongo } from 'mongoose';
import type { JobLease, JobLeaseStore } from '../ports/job-lease-store.repository.js';
import { isDuplicate, run } from './mongo-errors.js';

interface LeaseDoc {
  _id: string;
  holder: string;
  expiresAt: Date;
}

/**
 * Job leases as documents of `job_leases` keyed by lease name. Taking one is a conditional update of the single
 * document (free or the caller's), or an insert when there is none; of two racing inserts the unique `_id` lets one
 * win. Expired documents are removed by house-keeping, not by a TTL index (the test server has none).
 */
@Injectable()
export class MongoJobLeaseStore implements JobLeaseStore {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** The store on a connection made outside Nest (the contract suite). */
  static on(connection: Connection): MongoJobLeaseStore {
    return new MongoJobLeaseStore(connection);
  }

  private get leases(): mongo.Collection<LeaseDoc> {
    return this.connection.collection<LeaseDoc>('job_leases') as unknown as mongo.Collection<LeaseDoc>;
  }

  acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const expiresAt = new Date(now.getTime() + ttlMs);
    return run(async () => {
      const taken = await this.leases.updateOne(
        { _id: name, $or: [{ holder }, { expiresAt: { $lte: now } }] },
        { $set: { holder, expiresAt } },
      );
      if (taken.matchedCount > 0) return true;
      try {
        await this.leases.insertOne({ _id: name, holder, expiresAt });
        return true;
      } catch (err) {
        if (isDuplicate(err)) return false; // someone else holds it
        throw err;
      }
    });
  }

  release(name: string, holder: string): Promise<void> {
    return run(async () => {
      await this.leases.deleteOne({ _id: name, holder });
    });
  }

  list(prefix: string): Promise<JobLease[]> {
    return run(async () => {
      const docs = await this.leases.find({ _id: { $regex: `^${escapeRegex(prefix)}` } }).sort({ _id: 1 }).toArray();
      return docs.map((d) => ({ name: d._id, holder: d.holder, expiresAt: d.expiresAt }));
    });
  }

  deleteExpired(before: Date): Promise<number> {
    return run(async () => (await this.leases.deleteMany({ expiresAt: { $lt: before } })).deletedCount);
  }
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
