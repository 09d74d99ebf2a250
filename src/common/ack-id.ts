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
