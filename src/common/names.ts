/** Resource-name rules and the reference formats of spec 1.5. Pure functions. */

const NAME = /^[a-zA-Z0-9_-]+$/;

export function isValidName(name: string): boolean {
  return NAME.test(name);
}

export const topicRef = (project: string, topic: string): string => `/projects/${project}/topics/${topic}`;
export const subscriptionRef = (project: string, sub: string): string => `/projects/${project}/subscriptions/${sub}`;
export const schemaRef = (project: string, schema: string): string => `projects/${project}/schemas/${schema}`;

/**
 * `topic` of a subscription create body: 4 `/`-parts where part0 is `projects` OR part2 is `topics` (the original's
 * lenient check, spec 3.6). Returns the topic's short name; the project part is deliberately not compared.
 */
export function parseSubscriptionTopic(ref: string): string | null {
  const parts = ref.split('/');
  if (parts.length !== 4) return null;
  if (parts[0] !== 'projects' && parts[2] !== 'topics') return null;
  return parts[3];
}

/** `projects/P/schemas/S`: exactly 4 parts, part0 `projects`, part2 `schemas` (spec 1.5). */
export function parseSchemaRef(ref: string): { project: string; schema: string } | null {
  const parts = ref.split('/');
  if (parts.length !== 4 || parts[0] !== 'projects' || parts[2] !== 'schemas') return null;
  return { project: parts[1], schema: parts[3] };
}
