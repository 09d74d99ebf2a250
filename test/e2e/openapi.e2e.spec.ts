import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OpenAPIObject } from '@nestjs/swagger';
import { METRICS_SECURITY, OPERATION_IDS, operationId, pathVariables } from '../../src/common/openapi-document.js';
import { type RunningApp, startApp } from '../support/app.js';

/** The OpenAPI document as Swagger UI serves it (`/docs/openapi.json`), and Swagger UI's settings. */

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const ENVELOPE = { $ref: '#/components/schemas/ErrorEnvelope' };

describe('OpenAPI document and Swagger UI (/docs)', () => {
  let app: RunningApp;
  let document: OpenAPIObject;
  let operations: { method: string; path: string; operation: Operation }[];

  before(async () => {
    app = await startApp();
    const reply = await app.client().get('/docs/openapi.json', { tokenIn: 'none' });
    assert.equal(reply.status, 200, reply.text);
    document = reply.body as OpenAPIObject;
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.flatMap((method) => (item[method] === undefined ? [] : [{ method, path, operation: item[method] }])),
    );
    assert.ok(operations.length > 60, `${operations.length} operations`);
  });

  after(async () => {
    await app?.close();
  });

  const label = (o: { method: string; path: string }) => `${o.method.toUpperCase()} ${o.path}`;
  const isOpen = (operation: Operation) => (operation.security ?? []).some((r) => Object.keys(r).length === 0);
  const envelopeOf = (operation: Operation, status: string): unknown =>
    (operation.responses[status] as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.['application/json']
      ?.schema;

  it('names every operation as an API call: camelCase, from the table, unique', () => {
    const named = new Set(Object.values(OPERATION_IDS).flatMap((ids) => Object.values(ids)));
    const seen = new Map<string, string>();
    for (const o of operations) {
      const id = o.operation.operationId ?? '';
      assert.match(id, /^[a-z]+(?:[A-Z][a-z0-9]*)+$/, label(o));
      assert.ok(!id.includes('Controller'), `${label(o)}: ${id}`);
      assert.ok(named.has(id), `${label(o)}: ${id} is not in OPERATION_IDS`);
      assert.equal(seen.get(id), undefined, `${id} names ${seen.get(id)} and ${label(o)}`);
      seen.set(id, label(o));
    }
    assert.equal(seen.get('listProjects'), 'GET /v1/projects');
    assert.equal(seen.get('publishMessages'), 'POST /v1/projects/{project}/topics/{topic}:publish');
    assert.equal(seen.get('pullMessages'), 'POST /v1/projects/{project}/subscriptions/{subscription}:pull');
    // A handler the table does not know yet still gets a readable id.
    assert.equal(operationId('WidgetsController', 'list'), 'listWidgets');
  });

  it('puts every operation under one resource tag, each declared once (case-insensitively) with a description', () => {
    const tags = document.tags ?? [];
    const names = tags.map((t) => t.name.toLowerCase());
    assert.equal(new Set(names).size, names.length, `duplicate tags: ${names.join(', ')}`);
    for (const tag of tags) assert.ok((tag.description ?? '').length > 10, `tag ${tag.name} has no description`);
    const declared = new Set(tags.map((t) => t.name));
    const used = new Set<string>();
    for (const o of operations) {
      assert.equal(o.operation.tags?.length, 1, `${label(o)}: ${JSON.stringify(o.operation.tags)}`);
      assert.ok(declared.has(o.operation.tags[0]), `${label(o)}: undeclared tag ${o.operation.tags[0]}`);
      used.add(o.operation.tags[0]);
    }
    assert.deepEqual([...declared].filter((t) => !used.has(t)), [], 'declared tags no operation uses');
  });

  it('documents 401 and 403 with the error envelope on every operation that needs a token, and on open ones only where declared', () => {
    let authenticated = 0;
    for (const o of operations) {
      if (isOpen(o.operation)) {
        // No automatic 403 on an open route; one its decorators declare (GET /v1/status?details=true) has the envelope.
        const declared = o.operation.responses['403'];
        if (declared !== undefined) assert.deepEqual(envelopeOf(o.operation, '403'), ENVELOPE, `${label(o)} 403`);
        assert.ok(declared === undefined || label(o) === 'GET /v1/status', `${label(o)} documents a 403 it does not answer`);
        continue;
      }
      authenticated++;
      for (const status of ['401', '403']) assert.deepEqual(envelopeOf(o.operation, status), ENVELOPE, `${label(o)} ${status}`);
    }
    assert.ok(authenticated > 50, `${authenticated} authenticated operations`);
    // Open routes that refuse an anonymous caller say so, with the envelope.
    for (const path of ['/v1/users/profile', '/v1/users/usageReport', '/metrics']) {
      assert.deepEqual(envelopeOf(document.paths[path].get as Operation, '401'), ENVELOPE, path);
    }
    assert.equal(document.paths['/v1/version'].get?.responses['401'], undefined);
  });

  it('documents 404 with the envelope wherever the path names a resource that must exist', () => {
    for (const o of operations) {
      const variables = pathVariables(o.path);
      const creates = o.operation.operationId?.startsWith('create') === true;
      const expected = creates ? variables.length > 1 : variables.length > 0;
      if (expected) assert.deepEqual(envelopeOf(o.operation, '404'), ENVELOPE, label(o));
      else assert.equal(o.operation.responses['404'], undefined, label(o));
      for (const status of ['4XX', '5XX']) assert.deepEqual(envelopeOf(o.operation, status), ENVELOPE, `${label(o)} ${status}`);
    }
    assert.equal(document.paths['/v1/projects/{project}'].post?.responses['404'], undefined);
    assert.ok(document.paths['/v1/projects/{project}/topics/{topic}'].put?.responses['404']);
  });

  it('declares the bearer scheme of /metrics, apart from the AMS token', () => {
    assert.deepEqual(document.components?.securitySchemes?.[METRICS_SECURITY], {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'opaque',
      description: 'AMS_METRICS_TOKEN, for GET /metrics only',
    });
    assert.deepEqual(document.paths['/metrics'].get?.security, [{ [METRICS_SECURITY]: [] }, {}]);
    for (const o of operations.filter((x) => x.path !== '/metrics')) {
      const schemes = (o.operation.security ?? []).flatMap((r) => Object.keys(r));
      assert.ok(!schemes.includes(METRICS_SECURITY), label(o));
    }
  });

  it('serves Swagger UI with persistAuthorization and the filter box on', async () => {
    const page = await app.client().get('/docs', { tokenIn: 'none' });
    assert.equal(page.status, 200);
    assert.match(page.text, /swagger-ui/);
    const init = await app.client().get('/docs/swagger-ui-init.js', { tokenIn: 'none' });
    assert.equal(init.status, 200);
    assert.match(init.text, /"persistAuthorization": true/);
    assert.match(init.text, /"filter": true/);
  });
});
