import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { amsError, type Client } from '../support/client.js';
import { ManualClock } from '../support/clocks.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';

/**
 * The metrics of spec 3.8 / 4.8: `GET /metrics` (every node's sample), `GET /metrics/va_metrics`, and the `:metrics`
 * of projects, topics and subscriptions, fed by counters that publishes and pulls roll up in memory. Known traffic
 * (messages of known sizes at known times of a manual clock) makes every value exact.
 */

const DAY_S = 24 * 3600;
const forbidden = amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden');
const invalid = (message: string) => amsError(400, 'INVALID_ARGUMENT', message);
const notFound = (what: string) => amsError(404, 'NOT_FOUND', `${what} doesn't exist`);

const DESCRIPTIONS: Record<string, string> = {
  'project.number_of_topics': 'Counter that displays the number of topics belonging to the specific project',
  'project.number_of_subscriptions': 'Counter that displays the number of subscriptions belonging to the specific project',
  'project.user.number_of_topics': 'Counter that displays the number of topics that a user has access to the specific project',
  'project.user.number_of_subscriptions':
    'Counter that displays the number of subscriptions that a user has access to the specific project',
  'project.number_of_daily_messages':
    "A collection of counters that represents the total number of messages published each day to all of the project's topics",
  'topic.number_of_subscriptions': 'Counter that displays the number of subscriptions belonging to a specific topic',
  'topic.number_of_messages': 'Counter that displays the number of messages published to the specific topic',
  'topic.number_of_bytes': 'Counter that displays the total size of data (in bytes) published to the specific topic',
  'topic.number_of_daily_messages':
    'A collection of counters that represents the total number of messages published each day to a specific topic',
  'topic.publishing_rate': 'A rate that displays how many messages were published per second between the last two publish events',
  'subscription.number_of_messages': 'Counter that displays the number of messages consumed from the specific subscription',
  'subscription.number_of_bytes': 'Counter that displays the total size of data (in bytes) consumed from the specific subscription',
  'subscription.consumption_rate': 'A rate that displays how many messages were consumed per second between the last two consume events',
};

type Point = { timestamp: string; value: number };

/** The metric as the API must show it: types follow from the name (spec 3.8), the description is the original's. */
function expected(metric: string, resourceName: string, timeseries: Point[]) {
  const [resourceType] = metric.startsWith('project.user.') ? ['project.user'] : metric.split('.');
  const isRate = metric.endsWith('_rate');
  return {
    metric,
    metric_type: isRate ? 'rate' : 'counter',
    value_type: isRate ? 'float64' : 'int64',
    resource_type: resourceType,
    resource_name: resourceName,
    timeseries,
    description: DESCRIPTIONS[metric],
  };
}

async function ok(client: Client, path: string): Promise<any> {
  const reply = await client.get(path);
  assert.equal(reply.status, 200, reply.text);
  return reply.body;
}

describe('metrics', () => {
  let app: RunningApp;
  const clock = new ManualClock(); // 2024-03-01T10:00:05Z
  let p: ProjectFixture;
  let base: string;
  let topic: string;
  let sub: string;
  let idleSub: string;
  let pub: { name: string; client: Client };
  let pubOutside: Client;
  let con: { name: string; client: Client };
  let conOutside: Client;
  let admin: Client;
  let viewer: Client;
  let day1: string;
  let day2: string;

  before(async () => {
    app = await startApp({}, { clock });
    p = await newProject(app, 'met');
    base = `/v1/projects/${p.name}`;
    await newProject(app, 'met-idle'); // no traffic: absent from the VA report
    pub = await p.user(['publisher'], unique('a-pub'));
    pubOutside = (await p.user(['publisher'])).client;
    con = await p.user(['consumer'], unique('b-con'));
    conOutside = (await p.user(['consumer'])).client;
    admin = (await p.user(['project_admin'])).client;
    const viewerName = unique('viewer');
    const created = await app.admin.post(`/v1/users/${viewerName}`, { email: 'v@example.org', service_roles: ['metrics_viewer'] });
    assert.equal(created.status, 200, created.text);
    viewer = app.client(created.body.token as string);

    topic = await p.topic();
    sub = await p.subscription(topic);
    idleSub = await p.subscription(topic);
    for (const [path, user] of [[`topics/${topic}`, pub.name], [`subscriptions/${sub}`, con.name]]) {
      const acl = await app.admin.post(`${base}/${path}:modifyAcl`, { authorized_users: [user] });
      assert.equal(acl.status, 200, acl.text);
    }

    // 2024-03-01T10:00:05Z: 3 messages of 8 data bytes.
    day1 = clock.stamp();
    const first = await pub.client.post(`${base}/topics/${topic}:publish`, { messages: [{ data: 'aGVsbG8=' }, { data: 'aGVsbG8=' }, { data: 'aGVsbG8=' }] });
    assert.equal(first.status, 200, first.text);
    // 2024-03-02T10:00:05Z: 2 messages of 4 data bytes (and attributes, which do not count), then a pull of 4.
    clock.advance(DAY_S);
    day2 = clock.stamp();
    const second = await pub.client.post(`${base}/topics/${topic}:publish`, {
      messages: [{ data: 'YWJj', attributes: { k: 'v' } }, { data: 'YWJj' }],
    });
    assert.equal(second.status, 200, second.text);
    const pulled = await con.client.post(`${base}/subscriptions/${sub}:pull`, { maxMessages: '4' });
    assert.equal(pulled.status, 200, pulled.text);
    assert.equal(pulled.body.receivedMessages.length, 4);
  });
  after(async () => {
    await app?.close();
  });

  it('topic :metrics: subscriptions, messages, bytes, the daily series newest first and the rate of the last window', async () => {
    const body = await ok(pub.client, `${base}/topics/${topic}:metrics`);
    assert.deepEqual(body, {
      metrics: [
        expected('topic.number_of_subscriptions', topic, [{ timestamp: day2, value: 2 }]),
        expected('topic.number_of_messages', topic, [{ timestamp: day2, value: 5 }]),
        expected('topic.number_of_bytes', topic, [{ timestamp: day2, value: 32 }]),
        expected('topic.number_of_daily_messages', topic, [
          { timestamp: '2024-03-02', value: 2 },
          { timestamp: '2024-03-01', value: 3 },
        ]),
        // 2 messages in the 10-second window of the last publish, stamped with that publish.
        expected('topic.publishing_rate', topic, [{ timestamp: day2, value: 0.2 }]),
      ],
    });
    assert.deepEqual(await ok(admin, `${base}/topics/${topic}:metrics`), body);
  });

  it('subscription :metrics count the messages pulls returned, and their data bytes', async () => {
    assert.deepEqual(await ok(con.client, `${base}/subscriptions/${sub}:metrics`), {
      metrics: [
        expected('subscription.number_of_messages', sub, [{ timestamp: day2, value: 4 }]),
        expected('subscription.number_of_bytes', sub, [{ timestamp: day2, value: 28 }]),
        expected('subscription.consumption_rate', sub, [{ timestamp: day2, value: 0.4 }]),
      ],
    });
    assert.deepEqual(await ok(admin, `${base}/subscriptions/${idleSub}:metrics`), {
      metrics: [
        expected('subscription.number_of_messages', idleSub, [{ timestamp: day2, value: 0 }]),
        expected('subscription.number_of_bytes', idleSub, [{ timestamp: day2, value: 0 }]),
        expected('subscription.consumption_rate', idleSub, [{ timestamp: '0001-01-01T00:00:00Z', value: 0 }]),
      ],
    });
  });

  it('an empty pull counts nothing', async () => {
    const late = await p.subscription(topic); // starts at the end of the topic
    const nothing = await app.admin.post(`${base}/subscriptions/${late}:pull`, { maxMessages: '10' });
    assert.deepEqual(nothing.body, { receivedMessages: [] });
    assert.deepEqual((await ok(app.admin, `${base}/subscriptions/${late}:metrics`)).metrics.map((m: any) => m.timeseries[0]), [
      { timestamp: day2, value: 0 },
      { timestamp: day2, value: 0 },
      { timestamp: '0001-01-01T00:00:00Z', value: 0 },
    ]);
    assert.equal((await app.admin.delete(`${base}/subscriptions/${late}`)).status, 200);
  });

  it('project :metrics: counts, one ACL count per member that has one, the daily series', async () => {
    assert.deepEqual(await ok(admin, `${base}:metrics`), {
      metrics: [
        expected('project.number_of_topics', p.name, [{ timestamp: day2, value: 1 }]),
        expected('project.number_of_subscriptions', p.name, [{ timestamp: day2, value: 2 }]),
        expected('project.user.number_of_topics', `${p.name}.${pub.name}`, [{ timestamp: day2, value: 1 }]),
        expected('project.user.number_of_subscriptions', `${p.name}.${con.name}`, [{ timestamp: day2, value: 1 }]),
        expected('project.number_of_daily_messages', p.name, [
          { timestamp: '2024-03-02', value: 2 },
          { timestamp: '2024-03-01', value: 3 },
        ]),
      ],
    });
  });

  it('ACL rules of spec 2.4: a publisher outside the topic ACL and a consumer outside the subscription ACL get 403', async () => {
    assert.deepEqual((await pubOutside.get(`${base}/topics/${topic}:metrics`)).body, forbidden);
    assert.equal((await pubOutside.get(`${base}/topics/${topic}:metrics`)).status, 403);
    assert.deepEqual((await conOutside.get(`${base}/subscriptions/${sub}:metrics`)).body, forbidden);
    assert.deepEqual((await con.client.get(`${base}/subscriptions/${idleSub}:metrics`)).body, forbidden);
  });

  it('404s: unknown topic, subscription and project', async () => {
    const missingTopic = await admin.get(`${base}/topics/nope:metrics`);
    assert.equal(missingTopic.status, 404);
    assert.deepEqual(missingTopic.body, notFound('Topic'));
    assert.deepEqual((await admin.get(`${base}/subscriptions/nope:metrics`)).body, notFound('Subscription'));
    assert.deepEqual((await app.admin.get('/v1/projects/nope:metrics')).body, amsError(404, 'NOT_FOUND', "project doesn't exist"));
    // As in the original, the ACL rule comes first: a plain publisher cannot learn which topics exist.
    assert.deepEqual((await pub.client.get(`${base}/topics/nope:metrics`)).body, forbidden);
  });

  it('va_metrics: messages, daily average and resources created per project with traffic in the window', async () => {
    const row = { project: p.name, message_count: 5, average_daily_messages: 2.5, topics_count: 1, subscriptions_count: 2, users_count: 5 };
    const report = {
      projects_metrics: { projects: [row], total_message_count: 5, average_daily_messages: 2.5 },
      total_users_count: 5,
      total_topics_count: 1,
      total_subscriptions_count: 2,
    };
    assert.deepEqual(await ok(viewer, '/v1/metrics/va_metrics?start_date=2024-03-01&end_date=2024-03-02'), report);
    assert.deepEqual(await ok(app.admin, `/v1/metrics/va_metrics?start_date=2024-03-01&end_date=2024-03-02&projects=${p.name}`), report);
    const dayTwo = await ok(viewer, '/v1/metrics/va_metrics?start_date=2024-03-02&end_date=2024-03-02');
    assert.deepEqual(dayTwo.projects_metrics.projects, [
      { project: p.name, message_count: 2, average_daily_messages: 2, topics_count: 0, subscriptions_count: 0, users_count: 0 },
    ]);
    assert.deepEqual(await ok(viewer, '/v1/metrics/va_metrics?start_date=2024-02-01&end_date=2024-02-29'), {
      projects_metrics: { projects: [], total_message_count: 0, average_daily_messages: 0 },
      total_users_count: 0,
      total_topics_count: 0,
      total_subscriptions_count: 0,
    });
  });

  it('va_metrics: date errors of spec 1.9 and unknown projects', async () => {
    const cases: [string, unknown][] = [
      ['start_date=2024-13-01', invalid('Start date is not in valid format')],
      ['end_date=2024-03-1', invalid('End date is not in valid format')],
      ['start_date=2024-03-02&end_date=2024-03-01', invalid('Start date cannot be after the end date')],
      [`projects=${p.name},nope`, notFound('Project nope')],
    ];
    for (const [query, error] of cases) {
      const reply = await viewer.get(`/v1/metrics/va_metrics?${query}`);
      assert.deepEqual(reply.body, error, query);
      assert.equal(reply.status, (error as { error: { code: number } }).error.code, query);
    }
  });

  it('/metrics lists this node: CPU and memory, stamped when sampled', async () => {
    const body = await ok(viewer, '/v1/metrics');
    assert.deepEqual(
      body.metrics.map((m: any) => [m.metric, m.metric_type, m.value_type, m.resource_type, m.resource_name, m.timeseries[0].timestamp]),
      [
        ['ams_node.cpu_usage', 'percentage', 'float64', 'ams_node', hostname(), day2],
        ['ams_node.memory_usage', 'percentage', 'float64', 'ams_node', hostname(), day2],
      ],
    );
    assert.ok(body.metrics[1].timeseries[0].value > 0 && body.metrics[1].timeseries[0].value <= 100);
    assert.deepEqual((await pub.client.get('/v1/metrics')).status, 401, 'project roles do not count without {project}');
  });

  it('a deleted topic takes its counters along: re-created, it starts at 0 (its daily history stays)', async () => {
    assert.equal((await app.admin.delete(`${base}/topics/${topic}`)).status, 200);
    assert.equal((await app.admin.put(`${base}/topics/${topic}`)).status, 200);
    const body = await ok(app.admin, `${base}/topics/${topic}:metrics`);
    assert.deepEqual(
      body.metrics.map((m: any) => [m.metric, m.timeseries]),
      [
        ['topic.number_of_subscriptions', [{ timestamp: day2, value: 2 }]],
        ['topic.number_of_messages', [{ timestamp: day2, value: 0 }]],
        ['topic.number_of_bytes', [{ timestamp: day2, value: 0 }]],
        ['topic.number_of_daily_messages', [{ timestamp: '2024-03-02', value: 2 }, { timestamp: '2024-03-01', value: 3 }]],
        ['topic.publishing_rate', [{ timestamp: '0001-01-01T00:00:00Z', value: 0 }]],
      ],
    );
    assert.equal(day1, '2024-03-01T10:00:05Z');
  });
});
