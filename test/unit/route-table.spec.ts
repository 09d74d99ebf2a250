import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RouteTable, routePattern } from '../../src/common/route-table.js';
import { verb } from '../../src/common/routes.js';

describe('routePattern (find-my-way route strings)', () => {
  const publish = `/v1/projects/:project/topics/${verb('topic', 'publish')}`;
  const cases: [string, string, boolean][] = [
    ['/v1/projects/:project', '/v1/projects/ARGO', true],
    ['/v1/projects/:project', '/v1/projects/', false],
    ['/v1/projects/:project', '/v1/projects/ARGO/topics', false],
    ['/v1/projects/:project', '/v1/projectsX', false],
    ['/v1/projects/:project/topics/:topic', '/v1/projects/P/topics/T', true],
    ['/v1/projects/:project/topics/:topic', '/v1/projects/P/topics/T/extra', false],
    [publish, '/v1/projects/P/topics/T:publish', true],
    [publish, '/v1/projects/P/topics/T:pull', false],
    [publish, '/v1/projects/P/topics/T', false],
    [publish, '/v1/projects/P/topics/:publish', false],
    [publish, '/v1/projects/P/topics/a:b:publish', false],
    ['/v1/users::byToken/:token', '/v1/users:byToken/abc', true],
    ['/v1/users::byToken/:token', '/v1/users/byToken/abc', false],
    ['/docs/*', '/docs/static/index.html', true],
    ['/docs/*', '/docs/', true],
    ['/docs/openapi.json', '/docs/openapiXjson', false], // a dot is literal
    ['/v1/status', '/v1/status', true],
    ['/v1/status', '/v1/status/', false],
    ['/v1/a+b', '/v1/a+b', true], // regex metacharacters are literal
    ['/v1/a+b', '/v1/aab', false],
  ];
  for (const [route, path, matches] of cases) {
    it(`${route} ${matches ? 'matches' : 'does not match'} ${path}`, () => {
      assert.equal(routePattern(route).test(path), matches);
    });
  }
});

describe('RouteTable.methodsOf (spec 1.1: 405 and its Allow header for a known path with the wrong method)', () => {
  it('lists the methods of paths registered for real methods, not of HEAD or OPTIONS alone', () => {
    const routes = new RouteTable();
    routes.add('GET', '/v1/projects/:project');
    routes.add('DELETE', '/v1/projects/:project');
    routes.add(['HEAD', 'OPTIONS'], '/v1/projects/:project');
    routes.add(['POST', 'put'], `/v1/projects/:project/topics/${verb('topic', 'publish')}`);
    routes.add(['HEAD', 'OPTIONS'], '/v1/only-head');
    assert.deepEqual(routes.methodsOf('/v1/projects/P'), ['DELETE', 'GET', 'HEAD', 'OPTIONS']);
    assert.deepEqual(routes.methodsOf('/v1/projects/P/topics/T:publish'), ['POST', 'PUT']);
    assert.deepEqual(routes.methodsOf('/v1/only-head'), []);
    assert.deepEqual(routes.methodsOf('/v1/unknown'), []);
  });
});
