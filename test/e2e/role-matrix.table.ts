/**
 * The route x role matrix of spec 2.3 as the tests see it: one row per route of the running service. The e2e test
 * (role-matrix.e2e.spec.ts) drives every identity through every row; the unit test (route-actions.spec.ts) checks
 * that the rows name the action each controller declares and the roles ACTION_ROLES grants, and that no route of a
 * controller is missing here. A new route therefore needs a row here (and a preparation in the e2e test).
 *
 * This module holds data only (no test registration), so both test files can import it.
 */

export const SERVICE_ROLES = ['service_admin', 'push_worker', 'admin_viewer', 'metrics_viewer', 'register_admin', 'argo_api_authn'] as const;
export const PROJECT_ROLES = ['project_admin', 'publisher', 'consumer'] as const;

export type ServiceRole = (typeof SERVICE_ROLES)[number];
export type ProjectRoleName = (typeof PROJECT_ROLES)[number];
export type RoleName = ServiceRole | ProjectRoleName;

/**
 * `open`: anyone, with or without a token (spec 2.1: status, version). `open-user`: the route is open, but the handler
 * needs the token of a user (`/users/profile`, `/users/usageReport`: 401 otherwise, the service token included).
 */
export type Access = readonly RoleName[] | 'open' | 'open-user';

export interface MatrixRow {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As clients spell it, with `{var}` placeholders (the OpenAPI spelling). */
  readonly path: string;
  /** The action of spec 2.3; `null` for the open routes. */
  readonly action: string | null;
  readonly roles: Access;
}

const SA = 'service_admin';
const PA = 'project_admin';
const PUB = 'publisher';
const CON = 'consumer';

export const ROLE_MATRIX: readonly MatrixRow[] = [
  // health (open)
  { method: 'GET', path: '/v1/status', action: null, roles: 'open' },
  { method: 'GET', path: '/v1/version', action: null, roles: 'open' },
  // Prometheus scrape (open unless AMS_METRICS_TOKEN is set; the handler checks that bearer token itself)
  { method: 'GET', path: '/metrics', action: null, roles: 'open' },

  // projects
  { method: 'GET', path: '/v1/projects', action: 'projects:list', roles: [SA] },
  { method: 'POST', path: '/v1/projects/{project}', action: 'projects:create', roles: [SA] },
  { method: 'GET', path: '/v1/projects/{project}', action: 'projects:show', roles: [SA, PA] },
  { method: 'PUT', path: '/v1/projects/{project}', action: 'projects:update', roles: [SA, PA] },
  { method: 'DELETE', path: '/v1/projects/{project}', action: 'projects:delete', roles: [SA, PA] },

  {
    method: 'GET',
    path: '/v1/projects/{project}:metrics',
    action: 'projects:metrics',
    roles: [SA, PA],
  },

  // metrics (no {project}: the listed project_admin never counts, spec 2.3 Y*)
  { method: 'GET', path: '/v1/metrics', action: 'ams:metrics', roles: [SA, PA, 'metrics_viewer'] },
  { method: 'GET', path: '/v1/metrics/va_metrics', action: 'ams:vaMetrics', roles: [SA, PA, 'metrics_viewer'] },

  // project members
  { method: 'GET', path: '/v1/projects/{project}/members', action: 'projects:listUsers', roles: [SA, PA] },
  { method: 'GET', path: '/v1/projects/{project}/members/{user}', action: 'projects:showUser', roles: [SA, PA] },
  { method: 'POST', path: '/v1/projects/{project}/members/{user}', action: 'projects:createUser', roles: [SA, PA] },
  { method: 'PUT', path: '/v1/projects/{project}/members/{user}', action: 'projects:updateUser', roles: [SA, PA] },
  { method: 'POST', path: '/v1/projects/{project}/members/{user}:add', action: 'projects:addUser', roles: [SA, PA] },
  { method: 'POST', path: '/v1/projects/{project}/members/{user}:remove', action: 'projects:removeUser', roles: [SA, PA] },

  // users (no {project}: only service roles count, so the listed project_admin of users:list never does)
  { method: 'GET', path: '/v1/users', action: 'users:list', roles: [SA, PA] },
  { method: 'GET', path: '/v1/users/profile', action: null, roles: 'open-user' },
  { method: 'GET', path: '/v1/users/usageReport', action: null, roles: 'open-user' },
  { method: 'GET', path: '/v1/users:byToken/{token}', action: 'users:byToken', roles: [SA, 'push_worker'] },
  { method: 'GET', path: '/v1/users:byUUID/{uuid}', action: 'users:byUUID', roles: [SA, 'argo_api_authn'] },
  { method: 'GET', path: '/v1/users/{user}', action: 'users:show', roles: [SA] },
  { method: 'POST', path: '/v1/users/{user}', action: 'users:create', roles: [SA] },
  { method: 'PUT', path: '/v1/users/{user}', action: 'users:update', roles: [SA] },
  { method: 'DELETE', path: '/v1/users/{user}', action: 'users:delete', roles: [SA] },
  { method: 'POST', path: '/v1/users/{user}:refreshToken', action: 'users:refreshToken', roles: [SA] },

  // registrations (no {project}: service roles only)
  { method: 'POST', path: '/v1/registrations', action: 'registrations:newUser', roles: [SA, 'register_admin'] },
  { method: 'GET', path: '/v1/registrations', action: 'registrations:list', roles: [SA] },
  { method: 'GET', path: '/v1/registrations/{uuid}', action: 'registrations:show', roles: [SA] },
  { method: 'POST', path: '/v1/registrations/{uuid}:accept', action: 'registrations:acceptNewUser', roles: [SA] },
  { method: 'POST', path: '/v1/registrations/{uuid}:decline', action: 'registrations:declineNewUser', roles: [SA] },
  { method: 'DELETE', path: '/v1/registrations/{uuid}', action: 'registrations:delete', roles: [SA] },

  // topics
  { method: 'GET', path: '/v1/projects/{project}/topics', action: 'topics:list', roles: [SA, PA, PUB] },
  { method: 'PUT', path: '/v1/projects/{project}/topics/{topic}', action: 'topics:create', roles: [SA, PA] },
  { method: 'GET', path: '/v1/projects/{project}/topics/{topic}', action: 'topics:show', roles: [SA, PA, PUB] },
  { method: 'DELETE', path: '/v1/projects/{project}/topics/{topic}', action: 'topics:delete', roles: [SA, PA] },
  { method: 'PATCH', path: '/v1/projects/{project}/topics/{topic}', action: 'topics:update', roles: [SA, PA] },
  { method: 'POST', path: '/v1/projects/{project}/topics/{topic}:publish', action: 'topics:publish', roles: [SA, PA, PUB] },
  {
    method: 'GET',
    path: '/v1/projects/{project}/topics/{topic}:metrics',
    action: 'topics:metrics',
    roles: [SA, PA, PUB],
  },
  { method: 'GET', path: '/v1/projects/{project}/topics/{topic}:acl', action: 'topics:acl', roles: [SA, PA] },
  { method: 'POST', path: '/v1/projects/{project}/topics/{topic}:modifyAcl', action: 'topics:modifyAcl', roles: [SA, PA] },
  {
    method: 'GET',
    path: '/v1/projects/{project}/topics/{topic}/subscriptions',
    action: 'subscriptions:listByTopic',
    roles: [SA, PA],
  },
  { method: 'POST', path: '/v1/projects/{project}/topics/{topic}:attachSchema', action: 'topics:attachSchema', roles: [SA, PA] },
  { method: 'POST', path: '/v1/projects/{project}/topics/{topic}:detachSchema', action: 'topics:detachSchema', roles: [SA, PA] },

  // schemas
  { method: 'GET', path: '/v1/projects/{project}/schemas', action: 'schemas:list', roles: [SA, PA] },
  { method: 'POST', path: '/v1/projects/{project}/schemas/{schema}', action: 'schemas:create', roles: [SA, PA] },
  { method: 'GET', path: '/v1/projects/{project}/schemas/{schema}', action: 'schemas:show', roles: [SA, PA] },
  { method: 'PUT', path: '/v1/projects/{project}/schemas/{schema}', action: 'schemas:update', roles: [SA, PA] },
  { method: 'DELETE', path: '/v1/projects/{project}/schemas/{schema}', action: 'schemas:delete', roles: [SA, PA] },
  {
    method: 'POST',
    path: '/v1/projects/{project}/schemas/{schema}:validate',
    action: 'schemas:validateMessage',
    roles: [SA, PA],
  },

  // subscriptions
  { method: 'GET', path: '/v1/projects/{project}/subscriptions', action: 'subscriptions:list', roles: [SA, PA, CON] },
  {
    method: 'PUT',
    path: '/v1/projects/{project}/subscriptions/{subscription}',
    action: 'subscriptions:create',
    roles: [SA, PA],
  },
  {
    method: 'GET',
    path: '/v1/projects/{project}/subscriptions/{subscription}',
    action: 'subscriptions:show',
    roles: [SA, PA, CON, 'push_worker'],
  },
  {
    method: 'DELETE',
    path: '/v1/projects/{project}/subscriptions/{subscription}',
    action: 'subscriptions:delete',
    roles: [SA, PA],
  },
  {
    method: 'PATCH',
    path: '/v1/projects/{project}/subscriptions/{subscription}',
    action: 'subscriptions:update',
    roles: [SA, PA],
  },
  {
    method: 'POST',
    path: '/v1/projects/{project}/subscriptions/{subscription}:pull',
    action: 'subscriptions:pull',
    roles: [SA, PA, CON, 'push_worker'],
  },
  {
    method: 'POST',
    path: '/v1/projects/{project}/subscriptions/{subscription}:acknowledge',
    action: 'subscriptions:acknowledge',
    roles: [SA, PA, CON, 'push_worker'],
  },
  {
    method: 'POST',
    path: '/v1/projects/{project}/subscriptions/{subscription}:modifyAckDeadline',
    action: 'subscriptions:modifyAckDeadline',
    roles: [SA, PA, CON],
  },
  {
    method: 'POST',
    path: '/v1/projects/{project}/subscriptions/{subscription}:modifyPushConfig',
    action: 'subscriptions:modifyPushConfig',
    roles: [SA, PA],
  },
  {
    method: 'POST',
    path: '/v1/projects/{project}/subscriptions/{subscription}:verifyPushEndpoint',
    action: 'subscriptions:verifyPushEndpoint',
    roles: [SA, PA],
  },
  {
    method: 'GET',
    path: '/v1/projects/{project}/subscriptions/{subscription}:metrics',
    action: 'subscriptions:metrics',
    roles: [SA, PA, CON],
  },
  {
    method: 'GET',
    path: '/v1/projects/{project}/subscriptions/{subscription}:offsets',
    action: 'subscriptions:offsets',
    roles: [SA, PA, CON],
  },
  {
    method: 'POST',
    path: '/v1/projects/{project}/subscriptions/{subscription}:modifyOffset',
    action: 'subscriptions:modifyOffset',
    roles: [SA, PA, CON],
  },
  {
    method: 'GET',
    path: '/v1/projects/{project}/subscriptions/{subscription}:timeToOffset',
    action: 'subscriptions:timeToOffset',
    roles: [SA, PA, CON],
  },
  {
    method: 'GET',
    path: '/v1/projects/{project}/subscriptions/{subscription}:acl',
    action: 'subscriptions:acl',
    roles: [SA, PA],
  },
  {
    method: 'POST',
    path: '/v1/projects/{project}/subscriptions/{subscription}:modifyAcl',
    action: 'subscriptions:modifyAcl',
    roles: [SA, PA],
  },
];

/** `METHOD /path` - how rows and controller routes are matched. */
export const routeKey = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;
