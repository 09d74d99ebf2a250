/**
 * "Once per interval across replicas", as pure arithmetic. Time is cut into slots of one interval each
 * (slot n = [n * interval, (n + 1) * interval) in epoch milliseconds); a job runs in a slot in the one process that took
 * the slot's lease, `housekeeping/<job>/<slot>`. The lease is kept, not released, after the run: it records which
 * process ran the job in which slot, and while it lives nobody else can take that slot. Its expiry lies well after the
 * slot ends, so the record outlives the slot; the expired-leases job removes it eventually.
 */

/** How many intervals a slot's lease (the record of its run) is kept after the slot ended. */
export const RECORD_SLOTS = 30;

export const SLOT_LEASE_PREFIX = 'housekeeping/';

/** The slot an instant falls in. */
export function slotOf(now: Date, intervalMs: number): number {
  return Math.floor(now.getTime() / intervalMs);
}

/** The lease that makes `job` run once in `slot`. The slot number is zero-padded so that names sort by slot. */
export function slotLeaseName(job: string, slot: number): string {
  return `${SLOT_LEASE_PREFIX}${job}/${String(slot).padStart(16, '0')}`;
}

/** The job and slot a slot lease name stands for, or null for another name. */
export function parseSlotLease(name: string): { job: string; slot: number } | null {
  const match = /^housekeeping\/([a-z-]+)\/(\d{16})$/.exec(name);
  return match === null ? null : { job: match[1], slot: Number(match[2]) };
}

/** Lease time from `now` until RECORD_SLOTS intervals after the end of `slot`. */
export function slotLeaseTtlMs(now: Date, slot: number, intervalMs: number): number {
  return (slot + 1 + RECORD_SLOTS) * intervalMs - now.getTime();
}

/**
 * Orphaned logs are deleted on the second sighting, not the first: a topic create makes its log before the topic
 * record, so a log seen without a topic may belong to a create still in flight. The first sighting is recorded as a
 * lease `orphan-log/<logId>` whose holder names the time (shared by all replicas, like the slot leases); a later run
 * deletes the log when it is still unreferenced at least `grace` after that time.
 */
export const SUSPECT_PREFIX = 'orphan-log/';

export const suspectHolder = (firstSeen: Date): string => `first-seen ${firstSeen.toISOString()}`;

/** When a suspect lease's log was first seen without a topic, or null if the holder is not such a record. */
export function firstSeenOf(holder: string): Date | null {
  const match = /^first-seen (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/.exec(holder);
  return match === null ? null : new Date(match[1]);
}
