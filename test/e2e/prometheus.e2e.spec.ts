import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../../src/common/version.js';
import { LEASED_JOBS } from '../../src/housekeeping/housekeeping.service.js';
import { type RunningApp, startApp } from '../support/app.js';
import { ROOT } from '../support/child-server.js';
import { amsError, type Client } from '../support/client.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';
import { type PromSample, samplesOf, scrape, scrapeUntil, valueOf } from '../support/prometheus.js';

/** GET /metrics (Prometheus text format): counters after known traffic, the request histogram, backlog gauges, the bearer protection. */

const METRICS_TOKEN = 'scrape-token-0123456789';
const PROMTOOL = `${ROOT}.tools/bin/promtool`;
const PUBLISH = '/v1/projects/{project}/topics/{topic}:publish';
const PULL = '/v1/projects/{project}/subscriptions/{subscription}:pull';
const ACK = '/v1/projects/{project}/subscriptions/{subscription}:acknowledge';

const data = (text: string): string => Buffer.from(text).toString('base64');
const messages = (...texts: string[]) => ({ messages: texts.map((t) => ({ data: data(t) })) });
const bytesOf = (...texts: string[]): number => texts.reduce((sum, t) => sum + data(t).length, 0);

describe('Prometheus metrics (GET /metrics)', () => {
  let app: RunningApp;
  let project: ProjectFixture;
  let admin: Client;
  let t1: string;
  let t2: string;
  let s1: string;
  let s2: string;
  let s3: string;

  const base = () => `/v1/projects/${project.name}`;
  const publish = async (topic: string, ...texts: string[]) => {
    const reply = await admin.post(`${base()}/topics/${topic}:publish`, messages(...texts));
    assert.equal(reply.status, 200, reply.text);
  };
  const pull = async (sub: string, max: number): Promise<string[]> => {
    const reply = await admin.post(`${base()}/subscriptions/${sub}:pull`, { maxMessages: String(max) });
    assert.equal(reply.status, 200, reply.text);
    return (reply.body.receivedMessages as { ackId: string }[]).map((r) => r.ackId);
  };
  const ack = async (sub: string, ackId: string) => {
    const reply = await admin.post(`${base()}/subscriptions/${sub}:acknowledge`, { ackIds: [ackId] });
    assert.equal(reply.status, 200, reply.text);
  };

  before(async () => {
    app = await startApp({ AMS_METRICS_TOKEN: METRICS_TOKEN, AMS_HOUSEKEEPING_INTERVAL_S: '1' });
    admin = app.admin;
    project = await newProject(app, 'prom');
    t1 = await project.topic();
    t2 = await project.topic();
    s1 = await project.subscription(t1);
    s2 = await project.subscription(t2);
    s3 = await project.subscription(t1);

    // Known traffic: 3 + 4 published; s1 pulls 2 + 1 and acknowledges 2; s2 pulls 3 and acknowledges 1.
    await publish(t1, 'a', 'bb');
    await publish(t1, 'ccc');
    await publish(t2, 'd1', 'd2', 'd3', 'd4');
    const first = await pull(s1, 2);
    assert.equal(first.length, 2);
    await ack(s1, first[1]);
    assert.equal((await pull(s1, 10)).length, 1);
    const third = await pull(s2, 3);
    assert.equal(third.length, 3);
    await ack(s2, third[0]);
    // A pull that may wait (it finds its one message at once): timed apart from the ordinary pulls.
    const waiting = await admin.post(`${base()}/subscriptions/${s3}:pull`, { maxMessages: '1', returnImmediately: 'false' });
    assert.equal(waiting.status, 200, waiting.text);
    assert.equal(waiting.body.receivedMessages.length, 1);
    // Swagger UI and its document are no API traffic; neither are scrapes.
    assert.equal((await app.client().get('/docs/openapi.json', { tokenIn: 'none' })).status, 200);
    assert.equal((await app.client().get('/docs', { tokenIn: 'none' })).status, 200);
    await scrape(app.client(), METRICS_TOKEN);
    // Refused and unknown requests count too.
    assert.equal((await admin.post(`${base()}/topics/missing:publish`, messages('x'))).status, 404);
    assert.equal((await admin.get('/v1/no/such/route')).status, 404);
  });

  after(async () => {
    await app?.close();
  });

  it('counts published, pulled and acknowledged messages exactly, with their bytes', async () => {
    const samples = await scrape(app.client(), METRICS_TOKEN);
    const p = project.name;
    assert.equal(valueOf(samples, 'ams_messages_published_total', { project: p, topic: t1 }), 3);
    assert.equal(valueOf(samples, 'ams_messages_published_total', { project: p, topic: t2 }), 4);
    assert.equal(valueOf(samples, 'ams_messages_published_bytes_total', { project: p, topic: t1 }), bytesOf('a', 'bb', 'ccc'));
    assert.equal(valueOf(samples, 'ams_messages_published_bytes_total', { project: p, topic: t2 }), bytesOf('d1', 'd2', 'd3', 'd4'));
    assert.equal(valueOf(samples, 'ams_messages_pulled_total', { project: p, subscription: s1 }), 3);
    assert.equal(valueOf(samples, 'ams_messages_pulled_total', { project: p, subscription: s2 }), 3);
    assert.equal(valueOf(samples, 'ams_messages_pulled_bytes_total', { project: p, subscription: s1 }), bytesOf('a', 'bb', 'ccc'));
    assert.equal(valueOf(samples, 'ams_messages_acknowledged_total', { project: p, subscription: s1 }), 2);
    assert.equal(valueOf(samples, 'ams_messages_acknowledged_total', { project: p, subscription: s2 }), 1);
    assert.equal(valueOf(samples, 'ams_messages_published_total', { project: p, topic: 'missing' }), undefined);
  });

  it('times requests by route pattern, method and status, errors and unknown routes included', async () => {
    const samples = await scrape(app.client(), METRICS_TOKEN);
    const count = (route: string, method: string, status: string): number | undefined =>
      valueOf(samples, 'ams_http_request_duration_seconds_count', { route, method, status });
    assert.equal(count(PUBLISH, 'POST', '200'), 3);
    assert.equal(count(PUBLISH, 'POST', '404'), 1);
    assert.equal(count(PULL, 'POST', '200'), 3);
    assert.equal(count(ACK, 'POST', '200'), 2);
    assert.equal(count('/v1/projects/{project}/topics/{topic}', 'PUT', '200'), 2);
    assert.equal(count('unmatched', 'GET', '404'), 1);
    assert.equal(count(`${PULL} (long-poll)`, 'POST', '200'), 1);
    const routes = new Set(samples.filter((s) => s.name === 'ams_http_request_duration_seconds_count').map((s) => s.labels.route));
    for (const route of routes) assert.ok(!route.includes(project.name), `a raw URL became a label: ${route}`);
    for (const route of routes) assert.ok(route.startsWith('/v1/') || route === 'unmatched', `not an API route: ${route}`);
    const publishBuckets = samples.filter(
      (s) => s.name === 'ams_http_request_duration_seconds_bucket' && s.labels.route === PUBLISH && s.labels.status === '200',
    );
    assert.equal(publishBuckets.find((s) => s.labels.le === '+Inf')?.value, 3);
  });

  it('sets backlog gauges from the stores on the scheduled refresh', async () => {
    const p = project.name;
    const gauge = (s: PromSample[], name: string, labels: Record<string, string>) => valueOf(s, name, labels);
    const samples = await scrapeUntil(app.client(), METRICS_TOKEN, (s) =>
      gauge(s, 'ams_subscription_backlog_messages', { project: p, subscription: s2 }) === 3,
    );
    assert.equal(gauge(samples, 'ams_subscription_backlog_messages', { project: p, subscription: s1 }), 1);
    assert.equal(gauge(samples, 'ams_topic_messages', { project: p, topic: t1 }), 3);
    assert.equal(gauge(samples, 'ams_topic_messages', { project: p, topic: t2 }), 4);
    assert.equal(gauge(samples, 'ams_metrics_series_dropped', { metric: 'ams_subscription_backlog_messages' }), 0);
  });

  it('exports the build, and the failure counters from zero before any failure', async () => {
    const samples = await scrape(app.client(), METRICS_TOKEN);
    const [info] = samplesOf(samples, 'ams_build_info');
    assert.deepEqual(info, {
      name: 'ams_build_info',
      labels: { version: VERSION, store: app.config.store, nodejs_version: process.version },
      value: 1,
    });
    for (const job of LEASED_JOBS) {
      assert.notEqual(valueOf(samples, 'ams_housekeeping_failures_total', { job }), undefined, job);
      assert.notEqual(valueOf(samples, 'ams_housekeeping_runs_total', { job }), undefined, job);
    }
  });

  it('passes `promtool check metrics` for every ams_* metric', async () => {
    assert.ok(existsSync(PROMTOOL), `${PROMTOOL} is missing: run scripts/tools/install.sh (npm test does)`);
    const reply = await app.client().get('/metrics', { tokenIn: 'none', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const families = new Set([...reply.text.matchAll(/^# TYPE (ams_\w+)/gm)].map((m) => m[1]));
    assert.ok(families.size >= 12, [...families].join(' '));
    const linted = spawnSync(PROMTOOL, ['check', 'metrics'], { input: reply.text, encoding: 'utf8' });
    assert.equal(linted.error, undefined);
    // prom-client's own nodejs_active_*_total gauges draw findings; nothing else may (ours, or a parse error).
    const findings = `${linted.stdout}${linted.stderr}`.split('\n').filter((line) => line !== '' && !line.startsWith('nodejs_'));
    assert.deepEqual(findings, []);
  });

  it('exports the process and Node.js defaults', async () => {
    const names = new Set((await scrape(app.client(), METRICS_TOKEN)).map((s) => s.name));
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      assert.ok(names.has(name), name);
    }
  });

  it('with AMS_METRICS_TOKEN set, needs that bearer token: 401 without it or with another', async () => {
    const client = app.client();
    const refusals: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-0123456789' },
      { authorization: `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}` },
      { 'x-api-key': METRICS_TOKEN },
    ];
    for (const headers of refusals) {
      const reply = await client.get('/metrics', { tokenIn: 'none', headers });
      assert.equal(reply.status, 401, JSON.stringify(headers));
      assert.deepEqual(reply.body, amsError(401, 'UNAUTHORIZED', 'Unauthorized'));
    }
    // The admin's AMS token is no metrics token either.
    assert.equal((await admin.get('/metrics')).status, 401);
    await scrape(client, METRICS_TOKEN);
  });
});

describe('Prometheus metrics: series cap (AMS_METRICS_MAX_SERIES)', () => {
  let app: RunningApp;
  after(async () => {
    await app?.close();
  });

  it('beyond the cap, counters go to (other) and the gauges keep the largest backlogs', async () => {
    app = await startApp({ AMS_METRICS_MAX_SERIES: '1', AMS_HOUSEKEEPING_INTERVAL_S: '1' });
    const project = await newProject(app, 'cap');
    const small = await project.topic();
    const big = await project.topic();
    const smallSub = await project.subscription(small);
    const bigSub = await project.subscription(big);
    const base = `/v1/projects/${project.name}`;
    assert.equal((await app.admin.post(`${base}/topics/${small}:publish`, messages('1'))).status, 200);
    assert.equal((await app.admin.post(`${base}/topics/${big}:publish`, messages('1', '2', '3'))).status, 200);

    const samples = await scrapeUntil(app.client(), undefined, (s) =>
      valueOf(s, 'ams_subscription_backlog_messages', { project: project.name, subscription: bigSub }) === 3,
    );
    assert.equal(valueOf(samples, 'ams_messages_published_total', { project: project.name, topic: small }), 1);
    assert.equal(valueOf(samples, 'ams_messages_published_total', { project: '(other)', topic: '(other)' }), 3);
    assert.equal(valueOf(samples, 'ams_messages_published_total', { project: project.name, topic: big }), undefined);
    assert.equal(valueOf(samples, 'ams_subscription_backlog_messages', { project: project.name, subscription: smallSub }), undefined);
    assert.equal(valueOf(samples, 'ams_metrics_series_dropped', { metric: 'ams_subscription_backlog_messages' }), 1);
    assert.equal(valueOf(samples, 'ams_topic_messages', { project: project.name, topic: big }), 3);
  });
});
