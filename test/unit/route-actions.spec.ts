import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppModule } from '../../src/app.module.js';
import { ACTION_KEY, OPEN_KEY } from '../../src/auth/action.decorator.js';
import { ACTION_ROLES } from '../../src/auth/actions.js';
import { RouteTable } from '../../src/common/route-table.js';
import { loadConfig } from '../../src/config/config.js';
import { PROJECT_ROLES, ROLE_MATRIX, routeKey, SERVICE_ROLES } from '../e2e/role-matrix.table.js';

interface DeclaredRoute {
  readonly controller: string;
  readonly handler: string;
  readonly method: string;
  /** As clients spell it: `/v1/projects/{project}/topics/{topic}:publish`. */
  readonly path: string;
  readonly action: unknown;
  readonly open: unknown;
}

type ModuleRef = Type | { module: Type; imports?: unknown[]; controllers?: Type[] } | Promise<unknown> | undefined;

/** Every controller of the running service: the module graph AppModule builds, walked through its imports. */
function controllersOf(root: ModuleRef, seen = new Set<unknown>()): Type[] {
  if (root === undefined || root instanceof Promise || seen.has(root)) return [];
  seen.add(root);
  const dynamic = typeof root === 'function' ? null : root;
  const cls = typeof root === 'function' ? root : root.module;
  const imports = [
    ...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, cls) as ModuleRef[] | undefined) ?? []),
    ...((dynamic?.imports as ModuleRef[] | undefined) ?? []),
  ];
  const controllers = [
    ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, cls) as Type[] | undefined) ?? []),
    ...(dynamic?.controllers ?? []),
  ];
  return [...controllers, ...imports.flatMap((m) => controllersOf(m, seen))];
}

/**
 * A Nest route path in the router's syntax -> the client spelling: `::` is a literal colon, `:name(regex)` and
 * `:name` are the variable `{name}` (see src/common/routes.ts).
 */
function clientPath(routerPath: string): string {
  let out = '';
  let i = 0;
  while (i < routerPath.length) {
    if (routerPath.startsWith('::', i)) {
      out += ':';
      i += 2;
    } else if (routerPath[i] === ':') {
      let j = i + 1;
      while (j < routerPath.length && /\w/.test(routerPath[j])) j++;
      out += `{${routerPath.slice(i + 1, j)}}`;
      i = routerPath[j] === '(' ? routerPath.indexOf(')', j) + 1 : j;
    } else {
      out += routerPath[i];
      i += 1;
    }
  }
  return out;
}

const joinPaths = (...parts: string[]): string =>
  `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '')
    .join('/')}`;

function declaredRoutes(): DeclaredRoute[] {
  const config = loadConfig({ AMS_DATA_DIR: '/nonexistent-ams-route-actions' });
  const reflector = new Reflector();
  const routes: DeclaredRoute[] = [];
  for (const controller of new Set(controllersOf(AppModule.forConfig(config, new RouteTable())))) {
    const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined) ?? '';
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name === 'constructor' || typeof prototype[name] !== 'function') continue;
      const handler = prototype[name] as (...args: unknown[]) => unknown;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (sub === undefined || method === undefined) continue; // not a route handler
      for (const b of Array.isArray(base) ? base : [base]) {
        for (const s of Array.isArray(sub) ? sub : [sub]) {
          routes.push({
            controller: controller.name,
            handler: name,
            method: RequestMethod[method],
            path: clientPath(joinPaths(b, s)),
            action: reflector.getAllAndOverride(ACTION_KEY, [handler, controller]),
            open: reflector.getAllAndOverride(OPEN_KEY, [handler, controller]),
          });
        }
      }
    }
  }
  return routes;
}

const where = (r: DeclaredRoute): string => `${r.controller}.${r.handler} (${r.method} ${r.path})`;

describe('every route declares who may call it (spec 2.3)', () => {
  const routes = declaredRoutes();

  it('finds the controllers of the service', () => {
    const names = new Set(routes.map((r) => r.controller));
    for (const expected of ['ProjectsController', 'UsersController', 'MembersController', 'TopicsController', 'SubscriptionsController', 'HealthController']) {
      assert.ok(names.has(expected), `${expected} not found among ${[...names].join(', ')}`);
    }
    assert.ok(routes.length >= 40, `only ${routes.length} routes found`);
  });

  it('each route has exactly one of @Action(...) and @Open()', () => {
    const bad = routes.filter((r) => (r.action === undefined) === (r.open !== true));
    assert.deepEqual(bad.map(where), [], 'routes without (or with both) @Action and @Open are denied to everyone');
  });

  it('each action used is a row of ACTION_ROLES', () => {
    const unknown = routes.filter((r) => r.action !== undefined && !Object.hasOwn(ACTION_ROLES, r.action as string));
    assert.deepEqual(unknown.map((r) => `${where(r)}: ${String(r.action)}`), []);
  });

  it('ACTION_ROLES names only roles of spec 2.2', () => {
    const known = new Set<string>([...SERVICE_ROLES, ...PROJECT_ROLES]);
    for (const [action, roles] of Object.entries(ACTION_ROLES)) {
      assert.deepEqual(
        (roles as readonly string[]).filter((r) => !known.has(r)),
        [],
        action,
      );
    }
  });

  it('no two routes share a method and path', () => {
    const keys = routes.map((r) => routeKey(r.method, r.path));
    assert.deepEqual(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      [],
    );
  });

  it('only the open routes of spec 2.1 are open, and the Prometheus scrape (which checks its own bearer token)', () => {
    const open = routes.filter((r) => r.open === true).map((r) => routeKey(r.method, r.path)).sort();
    const allowed = ['GET /v1/status', 'GET /v1/version', 'GET /v1/users/profile', 'GET /v1/users/usageReport', 'GET /metrics'];
    assert.deepEqual(
      open.filter((k) => !allowed.includes(k)),
      [],
    );
  });
});

describe('the role-matrix e2e table matches the controllers and ACTION_ROLES', () => {
  const routes = declaredRoutes();
  const byKey = new Map(routes.map((r) => [routeKey(r.method, r.path), r]));
  const rowKeys = new Set(ROLE_MATRIX.map((row) => routeKey(row.method, row.path)));

  it('has one row per route of the service, and no row for a route that does not exist', () => {
    assert.deepEqual(
      [...byKey.keys()].filter((k) => !rowKeys.has(k)).sort(),
      [],
      'routes missing from test/e2e/role-matrix.table.ts',
    );
    assert.deepEqual(
      [...rowKeys].filter((k) => !byKey.has(k)).sort(),
      [],
      'rows of test/e2e/role-matrix.table.ts without a route',
    );
    assert.equal(rowKeys.size, ROLE_MATRIX.length, 'duplicate rows');
  });

  for (const row of ROLE_MATRIX) {
    const key = routeKey(row.method, row.path);
    it(`${key}: ${row.action ?? 'open'}`, () => {
      const route = byKey.get(key);
      if (route === undefined) return; // reported by the coverage test above
      if (row.action === null) {
        assert.equal(route.open, true, `${key} is open in the table but not @Open() in ${where(route)}`);
        assert.ok(row.roles === 'open' || row.roles === 'open-user');
        return;
      }
      assert.equal(route.action, row.action, `${key}: the controller declares another action`);
      assert.ok(Array.isArray(row.roles), `${key}: an action row needs a role list`);
      const granted = ACTION_ROLES[row.action as keyof typeof ACTION_ROLES] as readonly string[];
      assert.deepEqual([...(row.roles as readonly string[])].sort(), [...granted].sort(), `${key}: roles differ from ACTION_ROLES`);
    });
  }
});
