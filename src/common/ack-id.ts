/** AMS ackIds: `projects/P/subscriptions/S:OFFSET` (spec 1.5, 4.3). Pure functions. */

export function formatAckId(project: string, subscription: string, offset: number): string {
  return `projects/${project}/subscriptions/${subscription}:${offset}`;
}

const INT64_MAX = 9223372036854775807n;

/**
 * The offset an ackId names, or null when the id is not for this subscription or its offset is not an int64.
 * Offsets beyond Number.MAX_SAFE_INTEGER cannot name a stored message, so they come back as Infinity and fail the
 * window check later (the original answers `wrong ack` for them too).
 */
export function parseAckId(ackId: string, project: string, subscription: string): number | null {
  const prefix = `projects/${project}/subscriptions/${subscription}:`;
  if (!ackId.startsWith(prefix)) return null;
  const digits = ackId.slice(prefix.length);
  if (!/^[+-]?\d+$/.test(digits)) return null;
  const big = BigInt(digits);
  if (big > INT64_MAX || big < -INT64_MAX - 1n) return null;
  return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(big);
}

/**
 * ackIds of individual ack mode (pubsub-extensions 1): `projects/P/subscriptions/S:OFFSET:LEASE`, where LEASE is the
 * lease the message was handed out under (16 lower-case hex digits), so an id names one delivery. parseAckId refuses
 * them (the part after the colon is not a number), so they never pass for cumulative ids, nor these for them.
 */
export function formatLeaseAckId(project: string, subscription: string, offset: number, leaseId: string): string {
  return `${formatAckId(project, subscription, offset)}:${leaseId}`;
}

/** The offset and lease an individual-mode ackId names, or null when it is malformed or for another subscription. */
export function parseLeaseAckId(
  ackId: string,
  project: string,
  subscription: string,
): { offset: number; leaseId: string } | null {
  const prefix = `projects/${project}/subscriptions/${subscription}:`;
  if (!ackId.startsWith(prefix)) return null;
  const match = /^(0|[1-9]\d{0,15}):([0-9a-f]{16})$/.exec(ackId.slice(prefix.length));
  if (match === null) return null;
  const offset = Number(match[1]);
  return Number.isSafeInteger(offset) ? { offset, leaseId: match[2] } : null;
}
