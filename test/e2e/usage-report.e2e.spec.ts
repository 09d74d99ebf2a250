import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { amsError, type Client } from '../support/client.js';
import { ManualClock } from '../support/clocks.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';

/**
 * `GET /v1/users/usageReport` (spec 3.3, 3.8, 4.8): the VA report of the projects the caller administers, fed by the
 * daily message counters that publishes roll up in memory (spec 4.1), plus the node's operational metrics.
 */

const SERVICE_TOKEN = 'e2e-usage-report-service-token';
const DAY_S = 24 * 3600;
const unauthorized = amsError(401, 'UNAUTHORIZED', 'Unauthorized');
const invalid = (message: string) => amsError(400, 'INVALID_ARGUMENT', message);

const ZERO_REPORT = {
  va_metrics: {
    projects_metrics: { projects: [], total_message_count: 0, average_daily_messages: 0 },
    total_users_count: 0,
    total_topics_count: 0,
    total_subscriptions_count: 0,
  },
  operational_metrics: { metrics: [] },
};

interface Usage {
  project: string;
  message_count: number;
  average_daily_messages: number;
  topics_count: number;
  subscriptions_count: number;
  users_count: number;
}

/** The `va_metrics` a report must hold for these project rows (totals as the original sums them). */
function vaMetrics(projects: Usage[]) {
  const sum = (key: keyof Omit<Usage, 'project'>): number => projects.reduce((total, p) => total + p[key], 0);
  return {
    projects_metrics: {
      projects,
      total_message_count: sum('message_count'),
      average_daily_messages: sum('average_daily_messages'),
    },
    total_users_count: sum('users_count'),
    total_topics_count: sum('topics_count'),
    total_subscriptions_count: sum('subscriptions_count'),
  };
}

async function report(client: Client, query = ''): Promise<any> {
  const reply = await client.get(`/v1/users/usageReport${query === '' ? '' : `?${query}`}`);
  assert.equal(reply.status, 200, reply.text);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  return reply.body;
}

async function publish(app: RunningApp, project: string, topic: string, count: number, data = 'aGVsbG8='): Promise<void> {
  const messages = Array.from({ length: count }, () => ({ data }));
  const reply = await app.admin.post(`/v1/projects/${project}/topics/${topic}:publish`, { messages });
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.body.messageIds.length, count);
}

/** Checks the operational metrics: this node's CPU and memory, one timepoint stamped now (spec 3.8). */
function assertNodeMetrics(metrics: any[], stamp: string): void {
  assert.deepEqual(
    metrics.map((m) => m.metric),
    ['ams_node.cpu_usage', 'ams_node.memory_usage'],
  );
  for (const m of metrics) {
    assert.deepEqual(Object.keys(m).sort(), ['description', 'metric', 'metric_type', 'resource_name', 'resource_type', 'timeseries', 'value_type']);
    assert.equal(m.metric_type, 'percentage');
    assert.equal(m.value_type, 'float64');
    assert.equal(m.resource_type, 'ams_node');
    assert.equal(m.resource_name, hostname());
    assert.equal(m.timeseries.length, 1);
    assert.equal(m.timeseries[0].timestamp, stamp);
    assert.equal(typeof m.timeseries[0].value, 'number');
    assert.ok(m.timeseries[0].value >= 0, String(m.timeseries[0].value));
  }
  assert.equal(metrics[0].description, 'Percentage value that displays the CPU usage of ams service in the specific node');
  assert.equal(metrics[1].description, 'Percentage value that displays the Memory usage of ams service in the specific node');
  assert.ok(metrics[1].timeseries[0].value > 0 && metrics[1].timeseries[0].value <= 100);
}

describe('GET /v1/users/usageReport', () => {
  let app: RunningApp;
  const clock = new ManualClock(); // 2024-03-01T10:00:05Z
  let a: ProjectFixture;
  let b: ProjectFixture;
  let c: ProjectFixture;
  /** project_admin of A and B. */
  let alice: Client;
  /** project_admin of A, consumer of B. */
  let dave: Client;
  /** publisher of A only. */
  let bob: Client;
  /** project_admin of C, whose topic saw only an empty publish. */
  let carol: Client;

  before(async () => {
    app = await startApp({ AMS_SERVICE_TOKEN: SERVICE_TOKEN }, { clock });
    a = await newProject(app, 'ura');
    b = await newProject(app, 'urb');
    c = await newProject(app, 'urc');
    const member = async (memberships: [ProjectFixture, string[]][]): Promise<Client> => {
      const name = unique('ur');
      const reply = await app.admin.post(`/v1/users/${name}`, {
        email: `${name}@example.org`,
        projects: memberships.map(([p, roles]) => ({ project: p.name, roles })),
      });
      assert.equal(reply.status, 200, reply.text);
      return app.client(reply.body.token as string);
    };
    alice = await member([[a, ['project_admin']], [b, ['project_admin', 'consumer']]]);
    dave = await member([[a, ['project_admin']], [b, ['consumer']]]);
    bob = (await a.user(['publisher'])).client;
    carol = (await c.user(['project_admin'])).client;

    // 2024-03-01: A gets 2 topics, 1 subscription, 5 messages; B 1 topic; all users above are created this day.
    const a1 = await a.topic();
    const a2 = await a.topic();
    await a.subscription(a1);
    const b1 = await b.topic();
    const c1 = await c.topic();
    await publish(app, a.name, a1, 3);
    await publish(app, a.name, a2, 2);
    await publish(app, c.name, c1, 0); // publishes nothing, counts nothing
    // 2024-03-02: B gets 4 messages.
    clock.advance(DAY_S);
    await publish(app, b.name, b1, 4);
    // now: 2024-03-03T10:00:05Z
    clock.advance(DAY_S);
  });
  after(async () => {
    await app?.close();
  });

  const A_ON_DAY_ONE = { message_count: 5, topics_count: 2, subscriptions_count: 1, users_count: 3 }; // alice, dave, bob
  const B_ON_DAY_ONE = { topics_count: 1, subscriptions_count: 0, users_count: 2 }; // alice, dave

  it('counts the messages of each administered project per day, and what was created in the window', async () => {
    const body = await report(alice, 'start_date=2024-03-01&end_date=2024-03-02');
    assert.deepEqual(body.va_metrics, {
      projects_metrics: {
        projects: [
          { project: a.name, ...A_ON_DAY_ONE, average_daily_messages: 2.5 },
          { project: b.name, message_count: 4, average_daily_messages: 2, ...B_ON_DAY_ONE },
        ],
        total_message_count: 9,
        average_daily_messages: 4.5,
      },
      total_users_count: 5,
      total_topics_count: 3,
      total_subscriptions_count: 1,
    });
    assert.deepEqual(Object.keys(body), ['va_metrics', 'operational_metrics']);
    assertNodeMetrics(body.operational_metrics.metrics, clock.stamp());
  });

  it('defaults to 1970-01-01 .. today: 19786 days', async () => {
    const body = await report(alice);
    // 5 / 19786 and 4 / 19786 messages a day both round up to 0.01
    assert.deepEqual(
      body.va_metrics,
      vaMetrics([
        { project: a.name, ...A_ON_DAY_ONE, average_daily_messages: 0.01 },
        { project: b.name, message_count: 4, average_daily_messages: 0.01, ...B_ON_DAY_ONE },
      ]),
    );
    assert.equal(body.va_metrics.projects_metrics.average_daily_messages, 0.02);
  });

  it('filters by the window: only projects with counters in it appear, and only what was created in it counts', async () => {
    assert.deepEqual(
      (await report(alice, 'start_date=2024-03-02&end_date=2024-03-02')).va_metrics,
      vaMetrics([{ project: b.name, message_count: 4, average_daily_messages: 4, topics_count: 0, subscriptions_count: 0, users_count: 0 }]),
    );
    assert.deepEqual(
      (await report(alice, 'start_date=2024-03-01&end_date=2024-03-01')).va_metrics,
      vaMetrics([{ project: a.name, ...A_ON_DAY_ONE, average_daily_messages: 5 }]),
      'B has no messages on day one, although its topic was created then',
    );
    const later = await report(alice, 'start_date=2024-03-03');
    assert.deepEqual(later.va_metrics, ZERO_REPORT.va_metrics);
    assertNodeMetrics(later.operational_metrics.metrics, clock.stamp());
  });

  it('averages over the days of the window, rounded up to 2 decimals; the total average sums the rounded ones', async () => {
    const body = await report(alice, 'start_date=2024-02-29&end_date=2024-03-02');
    assert.deepEqual(body.va_metrics.projects_metrics.projects.map((p: Usage) => p.average_daily_messages), [1.67, 1.34]);
    assert.equal(body.va_metrics.projects_metrics.average_daily_messages, 1.67 + 1.34);
    assert.equal(body.va_metrics.projects_metrics.total_message_count, 9);
  });

  it('projects= narrows to the named projects the caller administers; others are ignored', async () => {
    assert.deepEqual(
      (await report(alice, `start_date=2024-03-01&end_date=2024-03-02&projects=${b.name}`)).va_metrics,
      vaMetrics([{ project: b.name, message_count: 4, average_daily_messages: 2, ...B_ON_DAY_ONE }]),
    );
    assert.deepEqual(
      (await report(alice, `start_date=2024-03-01&end_date=2024-03-02&projects=${c.name},${a.name}`)).va_metrics,
      vaMetrics([{ project: a.name, ...A_ON_DAY_ONE, average_daily_messages: 2.5 }]),
    );
    assert.deepEqual(await report(alice, `projects=${c.name}`), ZERO_REPORT, 'no administered project left');
  });

  it('projects= naming a project that does not exist: 404, after the dates are checked', async () => {
    const reply = await alice.get(`/v1/users/usageReport?projects=${a.name},no-such-project`);
    assert.equal(reply.status, 404, reply.text);
    assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "Project no-such-project doesn't exist"));
    const dates = await alice.get('/v1/users/usageReport?projects=no-such-project&start_date=2024-13-01');
    assert.deepEqual(dates.body, invalid('Start date is not in valid format'));
  });

  it('only projects where the caller is project_admin count', async () => {
    assert.deepEqual(
      (await report(dave, 'start_date=2024-03-01&end_date=2024-03-02')).va_metrics,
      vaMetrics([{ project: a.name, ...A_ON_DAY_ONE, average_daily_messages: 2.5 }]),
      'consumer of B: B is left out',
    );
    assert.deepEqual(await report(bob), ZERO_REPORT, 'a publisher administers nothing');
    assert.deepEqual(await report(app.admin), ZERO_REPORT, 'service_admin is no project_admin');
  });

  it('an administered project without messages: zeros, with the operational metrics', async () => {
    const body = await report(carol);
    assert.deepEqual(body.va_metrics, ZERO_REPORT.va_metrics);
    assertNodeMetrics(body.operational_metrics.metrics, clock.stamp());
  });

  it('400 for dates that are not YYYY-MM-DD calendar days, or a start after the end', async () => {
    const cases: [string, string][] = [
      ['start_date=2024-02-30', 'Start date is not in valid format'],
      ['start_date=2024-3-01', 'Start date is not in valid format'],
      ['start_date=today', 'Start date is not in valid format'],
      ['start_date=2024-03-01T00:00:00Z', 'Start date is not in valid format'],
      ['end_date=2024-13-01', 'End date is not in valid format'],
      ['start_date=2024-03-01&end_date=01-03-2024', 'End date is not in valid format'],
      ['start_date=bad&end_date=bad', 'Start date is not in valid format'],
      ['start_date=2024-03-02&end_date=2024-03-01', 'Start date cannot be after the end date'],
      ['start_date=2024-03-04', 'Start date cannot be after the end date'], // after today
    ];
    for (const [query, message] of cases) {
      const reply = await alice.get(`/v1/users/usageReport?${query}`);
      assert.equal(reply.status, 400, `${query}: ${reply.text}`);
      assert.deepEqual(reply.body, invalid(message), query);
    }
    assert.equal((await alice.get('/v1/users/usageReport?start_date=2024-03-03&end_date=2024-03-03')).status, 200);
    assert.equal((await alice.get('/v1/users/usageReport?start_date=&end_date=')).status, 200, 'empty means absent');
  });

  it('401 without a user token: none, an unknown one, the service token; before any date check', async () => {
    for (const client of [app.client(), app.client('no-such-token-0123456789'), app.client(SERVICE_TOKEN)]) {
      for (const query of ['', '?start_date=bad']) {
        const reply = await client.get(`/v1/users/usageReport${query}`);
        assert.equal(reply.status, 401, `${String(client.token)}: ${reply.text}`);
        assert.deepEqual(reply.body, unauthorized);
      }
    }
  });

  it('takes the token from ?key= as well', async () => {
    const reply = await alice.get('/v1/users/usageReport?start_date=2024-03-02&end_date=2024-03-02', { tokenIn: 'query' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.va_metrics.projects_metrics.total_message_count, 4);
  });

  it('a publish is in the next report at once (this node flushes its counters first)', async () => {
    const topic = await a.topic();
    await publish(app, a.name, topic, 2);
    const body = await report(alice, `start_date=2024-03-03&projects=${a.name}`);
    assert.deepEqual(
      body.va_metrics,
      vaMetrics([{ project: a.name, message_count: 2, average_daily_messages: 2, topics_count: 1, subscriptions_count: 0, users_count: 0 }]),
    );
  });
});

describe('daily counters across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ams-usage-'));
  const clock = new ManualClock();
  let app: RunningApp | undefined;
  after(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a clean stop writes the counts still in memory; they are there after the restart', async () => {
    app = await startApp({}, { clock, dataDir });
    const project = await newProject(app, 'urr');
    const admin = await project.user(['project_admin']);
    const topic = await project.topic();
    await publish(app, project.name, topic, 6);
    assert.equal((await report(admin.client)).va_metrics.projects_metrics.total_message_count, 6);
    await publish(app, project.name, topic, 2); // counted in memory only
    await app.close();

    app = await startApp({}, { clock, dataDir });
    const body = await report(app.client(admin.token));
    assert.deepEqual(body.va_metrics.projects_metrics.projects, [
      { project: project.name, message_count: 8, average_daily_messages: 0.01, topics_count: 1, subscriptions_count: 0, users_count: 1 },
    ]);
  });
});
