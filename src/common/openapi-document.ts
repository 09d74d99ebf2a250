import type { OpenAPIObject } from '@nestjs/swagger';

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

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
});

/**
 * Completes what the decorators cannot say: `/topics/{topic}(^[^:/]+)::publish` (router syntax) is spelled
 * `/topics/{topic}:publish` as clients call it; path variables read by our own parameter decorators (the URL project)
 * are declared; and every operation documents the error envelope for 4XX and 5XX, since any route can answer a bad
 * name (400), a missing token (401) or an unavailable backend (503).
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
  operation.responses = {
    ...operation.responses,
    '4XX': errorResponse('AMS error (spec 1.9): bad input, missing or unknown token, forbidden, not found, conflict'),
    '5XX': errorResponse('AMS error: storage failure, or a backend unavailable (503)'),
  };
}
