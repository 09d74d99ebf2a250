import { AmsError } from './ams-error.js';

/**
 * The fields a `PATCH` changes (pubsub-extensions 10, Pub/Sub's update rule): those its `updateMask` names, in either
 * spelling (`messageRetentionDuration` or `message_retention_duration`), else those the body sends. A mask naming a
 * field that cannot be updated is a 400.
 */
export function fieldsToUpdate<F extends string>(
  body: { readonly updateMask?: string } & Partial<Record<F, unknown>>,
  updatable: readonly F[],
): Set<F> {
  if (body.updateMask === undefined) return new Set(updatable.filter((field) => body[field] !== undefined));
  const fields = new Set<F>();
  for (const path of body.updateMask.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const field = path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(updatable as readonly string[]).includes(field)) throw AmsError.invalid(`Invalid updateMask: ${path} cannot be updated`);
    fields.add(field as F);
  }
  return fields;
}
