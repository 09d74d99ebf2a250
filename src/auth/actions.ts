import type { Role } from '../storage/ports/records.js';

const SA = 'service_admin';
const PA = 'project_admin';
const PUB = 'publisher';
const CON = 'consumer';

/**
 * Who may call what: the role table the original deploys (spec 2.3), one line per action. `project_admin` on the
 * routes without a project is listed as the original lists it, though project roles never count there (spec 2.1).
 */
export const ACTION_ROLES = {
  'ams:metrics': [SA, PA, 'metrics_viewer'],
  'ams:vaMetrics': [SA, PA, 'metrics_viewer'],
  'users:list': [SA, PA],
  'users:show': [SA],
  'users:create': [SA],
  'users:update': [SA],
  'users:delete': [SA],
  'users:refreshToken': [SA],
  'users:byToken': [SA, 'push_worker'],
  'users:byUUID': [SA, 'argo_api_authn'],
  'registrations:newUser': [SA, 'register_admin'],
  'registrations:list': [SA],
  'registrations:show': [SA],
  'registrations:acceptNewUser': [SA],
  'registrations:declineNewUser': [SA],
  'registrations:delete': [SA],
  'projects:list': [SA],
  'projects:create': [SA],
  'projects:show': [SA, PA],
  'projects:update': [SA, PA],
  'projects:delete': [SA, PA],
  'projects:metrics': [SA, PA],
  'projects:listUsers': [SA, PA],
  'projects:showUser': [SA, PA],
  'projects:createUser': [SA, PA],
  'projects:updateUser': [SA, PA],
  'projects:addUser': [SA, PA],
  'projects:removeUser': [SA, PA],
  'topics:list': [SA, PA, PUB],
  'topics:show': [SA, PA, PUB],
  'topics:metrics': [SA, PA, PUB],
  'topics:publish': [SA, PA, PUB],
  'topics:create': [SA, PA],
  'topics:delete': [SA, PA],
  'topics:update': [SA, PA],
  'topics:acl': [SA, PA],
  'topics:modifyAcl': [SA, PA],
  'topics:attachSchema': [SA, PA],
  'topics:detachSchema': [SA, PA],
  'subscriptions:listByTopic': [SA, PA],
  'subscriptions:list': [SA, PA, CON],
  'subscriptions:offsets': [SA, PA, CON],
  'subscriptions:timeToOffset': [SA, PA, CON],
  'subscriptions:metrics': [SA, PA, CON],
  'subscriptions:modifyOffset': [SA, PA, CON],
  'subscriptions:modifyAckDeadline': [SA, PA, CON],
  'subscriptions:show': [SA, PA, CON, 'push_worker'],
  'subscriptions:pull': [SA, PA, CON, 'push_worker'],
  'subscriptions:acknowledge': [SA, PA, CON, 'push_worker'],
  'subscriptions:create': [SA, PA],
  'subscriptions:delete': [SA, PA],
  'subscriptions:update': [SA, PA],
  'subscriptions:acl': [SA, PA],
  'subscriptions:modifyAcl': [SA, PA],
  'subscriptions:modifyPushConfig': [SA, PA],
  'subscriptions:verifyPushEndpoint': [SA, PA],
  'schemas:list': [SA, PA],
  'schemas:show': [SA, PA],
  'schemas:create': [SA, PA],
  'schemas:update': [SA, PA],
  'schemas:delete': [SA, PA],
  'schemas:validateMessage': [SA, PA],
} as const satisfies Record<string, readonly Role[]>;

export type AmsAction = keyof typeof ACTION_ROLES;

export function isAllowed(action: AmsAction, roles: ReadonlySet<Role>): boolean {
  return (ACTION_ROLES[action] as readonly Role[]).some((role) => roles.has(role));
}
