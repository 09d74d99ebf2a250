import assert from 'node:assert/strict';
import type { RunningApp } from './app.js';
import { unique } from './app.js';
import type { Client } from './client.js';

export type ProjectRole = 'project_admin' | 'publisher' | 'consumer';

export interface ProjectFixture {
  readonly name: string;
  /** Creates a user with these roles in the project and returns a client with its token. */
  user(roles: ProjectRole[], name?: string): Promise<{ name: string; token: string; client: Client }>;
  topic(name?: string): Promise<string>;
  subscription(topic: string, name?: string, body?: Record<string, unknown>): Promise<string>;
}

/** A fresh project owned by the bootstrap admin, with helpers to fill it. */
export async function newProject(app: RunningApp, prefix = 'p'): Promise<ProjectFixture> {
  const name = unique(prefix);
  const created = await app.admin.post(`/v1/projects/${name}`, { description: 'test project' });
  assert.equal(created.status, 200, created.text);
  return {
    name,
    async user(roles, userName = unique('u')) {
      const reply = await app.admin.post(`/v1/users/${userName}`, {
        email: `${userName}@example.org`,
        projects: [{ project: name, roles }],
      });
      assert.equal(reply.status, 200, reply.text);
      return { name: userName, token: reply.body.token as string, client: app.client(reply.body.token as string) };
    },
    async topic(topicName = unique('t')) {
      const reply = await app.admin.put(`/v1/projects/${name}/topics/${topicName}`);
      assert.equal(reply.status, 200, reply.text);
      return topicName;
    },
    async subscription(topic, subName = unique('s'), body = {}) {
      const reply = await app.admin.put(`/v1/projects/${name}/subscriptions/${subName}`, {
        topic: `projects/${name}/topics/${topic}`,
        ...body,
      });
      assert.equal(reply.status, 200, reply.text);
      return subName;
    },
  };
}
