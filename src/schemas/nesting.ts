/**
 * Nesting limits for what users send to the schema code (spec 8.12): schema documents and the data validated against
 * them. The walk is iterative, so a document far deeper than the limit costs a loop, not a stack overflow.
 */

/** Whether `value` nests objects or arrays more than `limit` levels (`{}` and `[]` are level 1, scalars level 0). */
export function deeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    // Bytes (Avro `bytes`/`fixed` decode to Buffers) are leaves, not arrays of numbers.
    if (typeof next.value !== 'object' || next.value === null || ArrayBuffer.isView(next.value)) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return false;
}

/** The detail after the validator prefix; no engine text, no path (the client knows what it sent). */
export const tooDeepDetail = (limit: number): string => `nested deeper than ${limit} levels`;
