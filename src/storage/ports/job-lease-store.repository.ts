export const JOB_LEASES = Symbol('JobLeaseStore');

/** Who holds a lease and until when. */
export interface JobLease {
  readonly name: string;
  readonly holder: string;
  readonly expiresAt: Date;
}

/**
 * Leases with an expiry, so that work which must happen once (a house-keeping job per interval, the push delivery of
 * one subscription) runs in one process at a time however many replicas share the backend (architecture decision 8).
 * A holder renews its lease before it expires; a holder that dies loses it at `expiresAt`, and another takes over.
 *
 * Times come from the caller's clock: replicas are expected to keep their clocks in sync (NTP); a skew shortens or
 * lengthens a lease by that much. Every change is one atomic conditional write (a SQLite statement, a single-document
 * MongoDB update), so two contenders can never both hold a lease.
 */
export interface JobLeaseStore {
  /**
   * Takes or renews the lease `name` for `holder` until `now + ttlMs`, when it is free, expired at `now`, or already
   * held by `holder`. Says whether `holder` holds it afterwards.
   */
  acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it (a clean stop hands work over without waiting for the expiry). */
  release(name: string, holder: string): Promise<void>;
  /** The leases, live or expired, whose name starts with `prefix`, by name. */
  list(prefix: string): Promise<JobLease[]>;
  /** Removes the leases that expired before `before`; answers how many. */
  deleteExpired(before: Date): Promise<number>;
}
