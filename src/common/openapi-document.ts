import type { OpenAPIObject, SwaggerCustomOptions, SwaggerDocumentOptions } from '@nestjs/swagger';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Parameter = NonNullable<Operation['parameters']>[number];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The error envelope every AMS error uses (spec 1.9). */
export const ERROR_ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'status'],
      properties: {
        code: { type: 'integer', description: 'the HTTP status', example: 404 },
        message: { type: 'string', example: "Topic doesn't exist" },
        status: { type: 'string', example: 'NOT_FOUND' },
      },
    },
  },
} as const;

/** One tag per resource, in the order Swagger UI lists them; every operation carries exactly one of these. */
export const API_TAGS: readonly { readonly name: string; readonly description: string }[] = [
  { name: 'projects', description: 'Projects: the namespace of topics, subscriptions, schemas and members (spec 3.1)' },
  { name: 'project members', description: "A project's users and their roles in it (spec 3.2)" },
  { name: 'users', description: 'User accounts, their tokens and their usage report (spec 3.3)' },
  { name: 'registrations', description: 'Sign-up requests a service admin accepts or declines (spec 3.4)' },
  { name: 'topics', description: 'Topics: publish messages, ACLs, attached schemas (spec 3.5)' },
  { name: 'subscriptions', description: 'Subscriptions: pull, acknowledge, offsets, push delivery, ACLs (spec 3.6)' },
  { name: 'schemas', description: 'Message schemas (JSON Schema, Avro) and validation (spec 3.7)' },
  { name: 'metrics', description: "The service's operational metrics and the VA report (spec 3.8); `:metrics` of a resource sit with it" },
  { name: 'status', description: 'Health and version of the service; no token needed (spec 3.8)' },
  { name: 'monitoring', description: 'Prometheus scrape endpoint, outside /v1 (docs/operations-metrics.md)' },
];

/**
 * Operation ids as API names (`listProjects`, `publishMessages`), by controller and handler. A handler missing here
 * gets `<handler><Resource>` (`fooTopics`), still unique and readable; test/e2e/openapi.e2e.spec.ts keeps the table
 * complete.
 */
export const OPERATION_IDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ProjectsController: { list: 'listProjects', create: 'createProject', show: 'getProject', update: 'updateProject', delete: 'deleteProject' },
  MembersController: {
    list: 'listProjectMembers',
    show: 'getProjectMember',
    create: 'createProjectMember',
    update: 'updateProjectMember',
    add: 'addProjectMember',
    remove: 'removeProjectMember',
  },
  UsersController: {
    list: 'listUsers',
    profile: 'getProfile',
    byToken: 'getUserByToken',
    byUuid: 'getUserByUuid',
    show: 'getUser',
    create: 'createUser',
    update: 'updateUser',
    delete: 'deleteUser',
    refreshToken: 'refreshUserToken',
  },
  RegistrationsController: {
    register: 'createRegistration',
    list: 'listRegistrations',
    show: 'getRegistration',
    delete: 'deleteRegistration',
    accept: 'acceptRegistration',
    decline: 'declineRegistration',
  },
  TopicsController: {
    list: 'listTopics',
    create: 'createTopic',
    show: 'getTopic',
    update: 'updateTopic',
    delete: 'deleteTopic',
    publish: 'publishMessages',
    acl: 'getTopicAcl',
    modifyAcl: 'modifyTopicAcl',
    attachSchema: 'attachTopicSchema',
    detachSchema: 'detachTopicSchema',
    subscriptions: 'listTopicSubscriptions',
  },
  SchemasController: {
    list: 'listSchemas',
    create: 'createSchema',
    show: 'getSchema',
    update: 'updateSchema',
    delete: 'deleteSchema',
    validate: 'validateMessage',
  },
  SubscriptionsController: {
    list: 'listSubscriptions',
    create: 'createSubscription',
    show: 'getSubscription',
    update: 'updateSubscription',
    delete: 'deleteSubscription',
    pull: 'pullMessages',
    acknowledge: 'acknowledgeMessages',
    modifyAckDeadline: 'modifyAckDeadline',
    modifyPushConfig: 'modifyPushConfig',
    verifyPushEndpoint: 'verifyPushEndpoint',
    offsets: 'getSubscriptionOffsets',
    modifyOffset: 'modifySubscriptionOffset',
    timeToOffset: 'getOffsetAtTime',
    acl: 'getSubscriptionAcl',
    modifyAcl: 'modifySubscriptionAcl',
  },
  MetricsController: {
    usageReport: 'getUsageReport',
    operational: 'getOperationalMetrics',
    vaMetrics: 'getVaMetrics',
    project: 'getProjectMetrics',
    topic: 'getTopicMetrics',
    subscription: 'getSubscriptionMetrics',
  },
  HealthController: { status: 'getStatus', version: 'getVersion' },
  PrometheusController: { scrape: 'scrapeMetrics' },
};

/** SwaggerModule's operationIdFactory: the name in OPERATION_IDS, else `<handler><Resource>`. */
export function operationId(controllerKey: string, methodKey: string): string {
  const named = OPERATION_IDS[controllerKey]?.[methodKey];
  if (named !== undefined) return named;
  return `${methodKey}${controllerKey.replace(/Controller$/, '')}`;
}

/** The bearer scheme of `GET /metrics` (AMS_METRICS_TOKEN), apart from the AMS token schemes. */
export const METRICS_SECURITY = 'metrics-token';

/** Document options: our ids, and no tag per controller (the resource tags above are the only ones). */
export const DOCUMENT_OPTIONS: SwaggerDocumentOptions = { operationIdFactory: operationId, autoTagControllers: false };

/** Swagger UI at /docs: the token survives a reload, and the filter box narrows the operations by tag. */
export const SWAGGER_UI_OPTIONS: SwaggerCustomOptions = {
  jsonDocumentUrl: 'docs/openapi.json',
  swaggerOptions: { persistAuthorization: true, filter: true },
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
});

/**
 * Completes what the decorators cannot say: `/topics/{topic}(^[^:/]+)::publish` (router syntax) is spelled
 * `/topics/{topic}:publish` as clients call it; path variables read by our own parameter decorators (the URL project)
 * are declared; every operation documents the error envelope for 4XX and 5XX, since any route can answer a bad name
 * (400) or an unavailable backend (503), and names the errors its access rule implies (see errorResponses); the
 * resource tags get their descriptions.
 */
export function completeOpenApi(document: OpenAPIObject): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  for (const [routerPath, item] of Object.entries(document.paths)) {
    const path = openApiPath(routerPath);
    for (const method of METHODS) {
      const operation = item[method];
      if (operation !== undefined) completeOperation(path, operation);
    }
    paths[path] = item;
  }
  return {
    ...document,
    tags: API_TAGS.map((tag) => ({ ...tag })),
    paths,
    components: {
      ...document.components,
      schemas: { ...document.components?.schemas, ErrorEnvelope: ERROR_ENVELOPE_SCHEMA as never },
    },
  };
}

/** `/topics/{topic}(^[^:/]+)::publish` (router syntax) -> `/topics/{topic}:publish`. */
export function openApiPath(path: string): string {
  return path.replace(/\(\^\[\^:\/\]\+\)/g, '').replace(/::/g, ':');
}

/** The `{name}` variables of an OpenAPI path, in order. */
export function pathVariables(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
}

function completeOperation(path: string, operation: Operation): void {
  const declared = new Set(
    (operation.parameters ?? []).flatMap((p: Parameter) => ('in' in p && p.in === 'path' ? [p.name] : [])),
  );
  const missing = pathVariables(path).filter((name) => !declared.has(name));
  operation.parameters = [
    ...missing.map((name) => ({
      name,
      in: 'path' as const,
      required: true,
      schema: { type: 'string' as const, pattern: '^[a-zA-Z0-9_-]+$' },
    })),
    ...(operation.parameters ?? []),
  ];
  const responses: Operation['responses'] = { ...operation.responses };
  // An error a decorator declared without a body (`@ApiUnauthorizedResponse`) still answers the envelope.
  for (const [status, response] of Object.entries(responses)) {
    if (/^[45]/.test(status) && response !== undefined && !('$ref' in response) && response.content === undefined) {
      responses[status] = errorResponse(response.description);
    }
  }
  operation.responses = {
    ...errorResponses(path, operation),
    ...responses,
    '4XX': errorResponse('AMS error (spec 1.9): bad input, missing or unknown token, forbidden, not found, conflict'),
    '5XX': errorResponse('AMS error: storage failure, or a backend unavailable (503)'),
  };
}

/**
 * The errors an operation answers by its access rule and its path, derived from what `@Action`/`@Open` put in its
 * security requirements: a route that needs a token (`@Action`: no empty requirement) answers 401 without a valid
 * one and 403 when the caller's roles do not allow the action; an open route (`@Open`: the empty requirement) has
 * neither, unless its own decorators say so. A path that names resources answers 404 when one does not exist; a
 * create names the resource it makes last, so it counts only the ones before it.
 */
export function errorResponses(path: string, operation: Operation): Operation['responses'] {
  const responses: Operation['responses'] = {};
  const open = (operation.security ?? []).some((requirement) => Object.keys(requirement).length === 0);
  if (!open) {
    responses['401'] = errorResponse('no token, or a token no user or service holds (UNAUTHORIZED)');
    responses['403'] = errorResponse("the caller's roles do not allow this action here (FORBIDDEN)");
  }
  const variables = pathVariables(path);
  const named = operation.operationId?.startsWith('create') === true ? variables.slice(0, -1) : variables;
  if (named.length > 0) responses['404'] = errorResponse(`the ${named.map((n) => `{${n}}`).join(' or ')} of the path does not exist (NOT_FOUND)`);
  return responses;
}
