import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { PushDispatcher } from '../../src/push/push-dispatcher.js';
import { type RunningApp, startApp } from '../support/app.js';
import { amsError } from '../support/client.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';
import { PushReceiver, type Received } from '../support/push-receiver.js';
import { eventually } from '../support/eventually.js';

/**
 * Push delivery (spec 4.6) to real HTTP receivers on 127.0.0.1, with the API running the dispatcher in-process:
 * verification, the pushed body and headers, batches, base64Decode, retries, timeouts, Mattermost, push status and
 * back to pull. The app allows http and private addresses (AMS_PUSH_ALLOW_HTTP/PRIVATE) for its receivers.
 */

const ORIGIN = 'ams.test:8443';
const PUBLISH_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const FAILURE_STATUS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2} - /;

interface PushedBody {
  message: { messageId: string; attributes: Record<string, string>; data: string; publishTime: string };
  subscription: string;
}

describe('push delivery', () => {
  let app: RunningApp;
  const receivers: PushReceiver[] = [];

  before(async () => {
    app = await startApp({
      AMS_PUSH_ALLOW_HTTP: 'true',
      AMS_PUSH_ALLOW_PRIVATE: 'true',
      AMS_PUSH_RECONCILE_MS: '100',
      AMS_PUSH_LEASE_S: '2',
      AMS_PUSH_TIMEOUT_MS: '400',
      AMS_PUSH_ORIGIN: ORIGIN,
    });
  });
  after(async () => {
    await app.close();
    for (const receiver of receivers) await receiver.close();
  });

  async function receiver(): Promise<PushReceiver> {
    const r = await new PushReceiver().start();
    receivers.push(r);
    return r;
  }

  const base = (project: ProjectFixture): string => `/v1/projects/${project.name}`;

  /** The leases of the subscription `name` that the in-process dispatcher delivers right now. */
  const servedNow = (name: string): string[] => app.get(PushDispatcher).served().filter((lease) => lease.endsWith(`/${name}`));

  /** A push subscription to `endpoint`, created before anything is published, not verified yet. */
  async function pushSub(project: ProjectFixture, pushConfig: Record<string, unknown>) {
    const topic = await project.topic();
    const name = await project.subscription(topic, undefined, { pushConfig });
    const shown = await app.admin.get(`${base(project)}/subscriptions/${name}`);
    return { topic, name, config: shown.body.pushConfig as Record<string, any> };
  }

  async function verify(project: ProjectFixture, name: string, r: PushReceiver, hash: string): Promise<void> {
    r.verificationHash = hash;
    const reply = await app.admin.post(`${base(project)}/subscriptions/${name}:verifyPushEndpoint`);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.text, '');
  }

  async function publish(project: ProjectFixture, topic: string, messages: { data: string; attributes?: Record<string, string> }[]) {
    const reply = await app.admin.post(`${base(project)}/topics/${topic}:publish`, { messages });
    assert.equal(reply.status, 200, reply.text);
    return reply.body.messageIds as string[];
  }

  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const bodies = (requests: Received[]): any[] => requests.map((r) => JSON.parse(r.body));

  describe('endpoint verification', () => {
    it('verifies with GET /ams_verification_hash (path and query dropped), activates and shows the push status', async () => {
      const project = await newProject(app);
      const r = await receiver();
      const { name, config } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: `${r.url}/deep/path?q=1` });
      assert.equal(config.verified, false);
      await verify(project, name, r, config.verificationHash);
      assert.deepEqual(r.requests.map((q) => [q.method, q.path]), [['GET', '/ams_verification_hash']]);

      const shown = await app.admin.get(`${base(project)}/subscriptions/${name}`);
      assert.equal(shown.body.pushConfig.verified, true);
      assert.equal(shown.body.pushStatus, `Subscription /projects/${project.name}/subscriptions/${name} is currently active`);
      // activation: the push worker joins the subscription ACL and the project, without roles
      const acl = await app.admin.get(`${base(project)}/subscriptions/${name}:acl`);
      assert.deepEqual(acl.body, { authorized_users: ['push_worker_0'] });
      const worker = await app.admin.get('/v1/users/push_worker_0');
      assert.equal(worker.status, 200, worker.text);
      assert.deepEqual(worker.body.service_roles, ['push_worker']);
      assert.deepEqual(
        (worker.body.projects as { project: string; roles: string[] }[]).find((p) => p.project === project.name)?.roles,
        [],
      );

      const again = await app.admin.post(`${base(project)}/subscriptions/${name}:verifyPushEndpoint`);
      assert.deepEqual(again.body, amsError(409, 'CONFLICT', 'Push endpoint is already verified'));
    });

    it('fails on a wrong hash, a wrong status and an unreachable endpoint, and stays unverified', async () => {
      const project = await newProject(app);
      const r = await receiver();
      const { name, config } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: `${r.url}/push` });
      const path = `${base(project)}/subscriptions/${name}:verifyPushEndpoint`;

      r.verificationHash = `${config.verificationHash}x`;
      assert.deepEqual((await app.admin.post(path)).body, amsError(401, 'UNAUTHORIZED', 'Endpoint verification failed.Wrong verification hash'));
      r.verificationHash = config.verificationHash;
      r.verificationStatus = 404;
      assert.deepEqual((await app.admin.post(path)).body, amsError(401, 'UNAUTHORIZED', 'Endpoint verification failed.Wrong response status code'));
      await r.close();
      const unreachable = await app.admin.post(path);
      assert.equal(unreachable.status, 401);
      // No address, port, errno or resolver text: refused and timed out look alike (no port scan through AMS).
      assert.deepEqual(unreachable.body, amsError(401, 'UNAUTHORIZED', 'Endpoint verification failed.endpoint unreachable'));
      const shown = await app.admin.get(`${base(project)}/subscriptions/${name}`);
      assert.equal(shown.body.pushConfig.verified, false);
      assert.equal(shown.body.pushStatus, undefined);
    });

    it('answers 409 for pull and mattermost subscriptions and 404 for a missing one', async () => {
      const project = await newProject(app);
      const pull = await project.subscription(await project.topic());
      assert.deepEqual(
        (await app.admin.post(`${base(project)}/subscriptions/${pull}:verifyPushEndpoint`)).body,
        amsError(409, 'CONFLICT', 'Subscription is not in http push mode'),
      );
      const chat = await pushSub(project, { type: 'mattermost', mattermostUrl: 'http://127.0.0.1:9/hooks/x' });
      assert.deepEqual(
        (await app.admin.post(`${base(project)}/subscriptions/${chat.name}:verifyPushEndpoint`)).body,
        amsError(409, 'CONFLICT', 'Subscription is not in http push mode'),
      );
      assert.deepEqual(
        (await app.admin.post(`${base(project)}/subscriptions/nope:verifyPushEndpoint`)).body,
        amsError(404, 'NOT_FOUND', "Subscription doesn't exist"),
      );
    });

    it('pushes nothing to an unverified endpoint', async () => {
      const project = await newProject(app);
      const r = await receiver();
      const { topic, name } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: `${r.url}/push`, retryPolicy: { period: 10 } });
      await publish(project, topic, [{ data: b64('never pushed') }]);
      // A whole reconcile after the subscription exists: the dispatcher saw it and serves no delivery for it.
      await app.get(PushDispatcher).reconcile();
      assert.deepEqual(servedNow(name), []);
      assert.deepEqual(r.requests, []);
      const offsets = await app.admin.get(`${base(project)}/subscriptions/${name}:offsets`);
      assert.equal(offsets.body.current, 0);
    });
  });

  describe('delivery', () => {
    it('pushes every message once, in order, with the single-message body and the raw Authorization header', async () => {
      const project = await newProject(app);
      const r = await receiver();
      const { topic, name, config } = await pushSub(project, {
        type: 'http_endpoint',
        pushEndpoint: `${r.url}/push?token=abc`,
        retryPolicy: { type: 'linear', period: 20 },
      });
      const sent = Array.from({ length: 6 }, (_, i) => ({
        data: b64(`message ${i}`),
        ...(i % 2 === 0 ? { attributes: { index: String(i), 'quote"key': 'va"lue' } } : {}),
      }));
      const ids = await publish(project, topic, sent.slice(0, 3));
      await verify(project, name, r, config.verificationHash);
      ids.push(...(await publish(project, topic, sent.slice(3))));
      await r.until(() => r.accepted().length >= 6);
      // Each push comes before the acknowledgement that moves the offset, so at 6 every push of the six was made.
      await eventually(async () => (await app.admin.get(`${base(project)}/subscriptions/${name}:offsets`)).body.current === 6);

      const pushes = r.pushes();
      assert.equal(pushes.length, 6, 'each message once');
      for (const push of pushes) {
        assert.equal(push.path, '/push?token=abc');
        assert.equal(push.headers['content-type'], 'application/json');
        assert.equal(push.headers.authorization, config.authorizationHeader.value, 'the raw value, no scheme');
      }
      const got = bodies(pushes) as PushedBody[];
      got.forEach((body, i) => {
        assert.match(body.message.publishTime, PUBLISH_TIME);
        assert.deepEqual(body, {
          message: {
            messageId: ids[i],
            attributes: sent[i].attributes ?? {},
            data: sent[i].data,
            publishTime: body.message.publishTime,
          },
          subscription: `subscription /projects/${project.name}/subscriptions/${name} from ${ORIGIN}`,
        });
        assert.deepEqual(Object.keys(body.message), ['messageId', 'attributes', 'data', 'publishTime']);
      });
      const offsets = await app.admin.get(`${base(project)}/subscriptions/${name}:offsets`);
      assert.deepEqual(offsets.body, { max: 6, min: 0, current: 6 }, 'the cursor moved past every delivered message');
    });

    it('sends batches of maxMessages in the messages shape, decodes base64 and leaves the header out when disabled', async () => {
      const project = await newProject(app);
      const r = await receiver();
      const { topic, name, config } = await pushSub(project, {
        type: 'http_endpoint',
        pushEndpoint: `${r.url}/batch`,
        maxMessages: 3,
        base64Decode: true,
        authorizationHeader: { type: 'disabled' },
        retryPolicy: { period: 20 },
      });
      const texts = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      await publish(project, topic, [...texts.slice(0, 6).map((t) => ({ data: b64(`text ${t}`) })), { data: 'not base64!' }]);
      await verify(project, name, r, config.verificationHash);
      await r.until(() => r.accepted().flatMap((q) => JSON.parse(q.body).messages).length >= 7);

      const pushes = r.pushes();
      assert.deepEqual(pushes.map((q) => JSON.parse(q.body).messages.length), [3, 3, 1]);
      for (const push of pushes) assert.equal(push.headers.authorization, undefined);
      const all = pushes.flatMap((q) => JSON.parse(q.body).messages) as PushedBody[];
      assert.deepEqual(all.map((m) => m.message.data), [...texts.slice(0, 6).map((t) => `text ${t}`), 'not base64!']);
      assert.deepEqual(all.map((m) => m.message.messageId), ['0', '1', '2', '3', '4', '5', '6']);
      for (const m of all) assert.equal(m.subscription, `subscription /projects/${project.name}/subscriptions/${name} from ${ORIGIN}`);
    });

    it('retries a failing receiver every period, loses nothing, and shows the failure until it recovers', async () => {
      const project = await newProject(app);
      const r = await receiver();
      const period = 150;
      const { topic, name, config } = await pushSub(project, {
        type: 'http_endpoint',
        pushEndpoint: `${r.url}/flaky`,
        retryPolicy: { type: 'linear', period },
      });
      r.behaviour = { status: 503 };
      await publish(project, topic, [{ data: b64('one') }, { data: b64('two') }]);
      await verify(project, name, r, config.verificationHash);
      await r.until(() => r.pushes().length >= 3);
      const failing = await app.admin.get(`${base(project)}/subscriptions/${name}`);
      assert.match(failing.body.pushStatus, FAILURE_STATUS);
      assert.match(failing.body.pushStatus, / - Could not send message, endpoint answered 503$/);

      r.behaviour = { failNext: { count: 1, status: 500 } };
      await r.until(() => r.accepted().length >= 2);
      const pushes = r.pushes();
      const firstOk = pushes.findIndex((q) => q.status === 200);
      assert.ok(firstOk >= 4, 'three 503s and one 500 before the first success');
      for (const q of pushes.slice(0, firstOk)) assert.equal(JSON.parse(q.body).message.messageId, '0', 'the same message again');
      assert.deepEqual(r.accepted().map((q) => JSON.parse(q.body).message.messageId), ['0', '1']);
      for (let i = 1; i < pushes.length; i++) {
        assert.ok(pushes[i].at - pushes[i - 1].at >= period - 20, `attempts ${period} ms apart: ${pushes[i].at - pushes[i - 1].at}`);
      }
      const recovered = await app.admin.get(`${base(project)}/subscriptions/${name}`);
      assert.equal(recovered.body.pushStatus, `Subscription /projects/${project.name}/subscriptions/${name} is currently active`);

      // Every failed attempt, and every attempt after one, counted: in the AMS metrics API (rolled up in the store)
      // and in this process's Prometheus counters.
      const metrics = await app.admin.get(`${base(project)}/subscriptions/${name}:metrics`);
      assert.equal(metrics.status, 200, metrics.text);
      const value = (metric: string): unknown =>
        (metrics.body.metrics as { metric: string; timeseries: { value: number }[] }[]).find((m) => m.metric === metric)
          ?.timeseries[0].value;
      assert.equal(value('subscription.number_of_pushed_messages'), 2);
      assert.equal(value('subscription.number_of_push_failures'), firstOk);
      assert.equal(value('subscription.number_of_push_retries'), firstOk);
      const scrape = await app.client().get('/metrics');
      const labels = `{project="${project.name}",subscription="${name}"}`;
      assert.match(scrape.text, new RegExp(`^ams_push_messages_delivered_total${escape(labels)} 2$`, 'm'));
      assert.match(scrape.text, new RegExp(`^ams_push_failures_total${escape(labels)} ${firstOk}$`, 'm'));
      assert.match(scrape.text, new RegExp(`^ams_push_retries_total${escape(labels)} ${firstOk}$`, 'm'));
    });

    it('times out a slow receiver and sends the batch again', async () => {
      const project = await newProject(app);
      const r = await receiver();
      const { topic, name, config } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: `${r.url}/slow`, retryPolicy: { period: 50 } });
      r.behaviour = { delayMs: 700 };
      await publish(project, topic, [{ data: b64('patience') }]);
      await verify(project, name, r, config.verificationHash);
      await r.until(() => r.pushes().some((q) => q.status === -1), 5000, 'a timed-out push');
      const shown = await app.admin.get(`${base(project)}/subscriptions/${name}`);
      assert.match(shown.body.pushStatus, / - Could not send message, endpoint unreachable$/);
      r.behaviour = {};
      await r.until(() => r.accepted().length >= 1);
      await eventually(async () => (await app.admin.get(`${base(project)}/subscriptions/${name}:offsets`)).body.current === 1);
      assert.ok(r.pushes().every((q) => (JSON.parse(q.body) as PushedBody).message.data === b64('patience')));
    });

    it('posts Mattermost messages one at a time as {text, username, channel}', async () => {
      const project = await newProject(app);
      const r = await receiver();
      const topic = await project.topic();
      await project.subscription(topic, undefined, {
        pushConfig: {
          type: 'mattermost',
          mattermostUrl: `${r.url}/hooks/abc`,
          mattermostUsername: 'ams-bot',
          mattermostChannel: 'alerts',
          maxMessages: 5,
          base64Decode: true,
          retryPolicy: { period: 20 },
        },
      });
      await publish(project, topic, [{ data: b64('disk full on node1') }, { data: b64('disk ok again') }]);
      await r.until(() => r.accepted().length >= 2);
      assert.deepEqual(r.pushes().map((q) => [q.path, JSON.parse(q.body)]), [
        ['/hooks/abc', { text: 'disk full on node1', username: 'ams-bot', channel: 'alerts' }],
        ['/hooks/abc', { text: 'disk ok again', username: 'ams-bot', channel: 'alerts' }],
      ]);
    });

    it('stops pushing when the subscription goes back to pull; pulls then get what was published since', async () => {
      const project = await newProject(app);
      const r = await receiver();
      const { topic, name, config } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: `${r.url}/push`, retryPolicy: { period: 20 } });
      await verify(project, name, r, config.verificationHash);
      await publish(project, topic, [{ data: b64('pushed') }]);
      await r.until(() => r.accepted().length >= 1);

      const back = await app.admin.post(`${base(project)}/subscriptions/${name}:modifyPushConfig`, { pushConfig: {} });
      assert.equal(back.status, 200, back.text);
      const acl = await app.admin.get(`${base(project)}/subscriptions/${name}:acl`);
      assert.deepEqual(acl.body, { authorized_users: [] }, 'the push worker left the ACL');
      // A whole reconcile after the switch: the subscription's delivery loop has stopped, nothing can push it now.
      await app.get(PushDispatcher).reconcile();
      assert.deepEqual(servedNow(name), []);
      const before = r.requests.length;
      await publish(project, topic, [{ data: b64('pulled') }]);
      assert.equal(r.requests.length, before, 'nothing pushed after the switch');
      const pulled = await app.admin.post(`${base(project)}/subscriptions/${name}:pull`, { maxMessages: '10' });
      assert.deepEqual(pulled.body.receivedMessages.map((m: any) => m.message.data), [b64('pulled')]);
      assert.equal((await app.admin.get(`${base(project)}/subscriptions/${name}`)).body.pushStatus, undefined);
    });

    it('reports the push server in /v1/status', async () => {
      const reply = await app.client().get('/v1/status');
      assert.deepEqual(reply.body, { status: 'ok', push_servers: [{ endpoint: ORIGIN, status: 'SERVING' }] });
    });
  });
});

describe('push configuration safety and switches', () => {
  let strict: RunningApp;
  let disabled: RunningApp;
  before(async () => {
    strict = await startApp({});
    disabled = await startApp({ AMS_PUSH_ENABLED: 'false' });
  });
  after(async () => {
    await strict.close();
    await disabled.close();
  });

  const refused = (host: string): string =>
    `Push endpoint must not address a loopback, link-local, private, reserved or special-purpose network, or this service's host (${host})`;

  it('refuses http endpoints, special-purpose addresses and the host\'s own addresses with a 400', async () => {
    const project = await newProject(strict);
    const topic = await project.topic();
    const cases: [string, string][] = [
      ['http://receiver.example.org/push', 'Push endpoint should be addressed by a valid https url'],
      ...[
        '127.0.0.1', 'localhost:8443', '10.1.2.3', '192.168.0.10', '169.254.169.254', '[::1]:8443', '[fe80::1]',
        // documentation, 6to4 relay, 6to4 and NAT64 of special IPv4, discard-only, IPv4-compatible
        '192.0.2.2', '198.51.100.7', '203.0.113.9', '192.88.99.1', '[2001:db8::1]', '[2002:c000:202::1]', '[64:ff9b::7f00:1]',
        '[100::1]', '[::a00:1]',
        // every address of this host's interfaces, where each service bound to 0.0.0.0 listens
        ...Object.values(networkInterfaces()).flatMap((list) => list ?? []).map((i) => (i.family === 'IPv6' ? `[${i.address.replace(/%.*$/, '')}]` : i.address)),
      ].map((host): [string, string] => [`https://${host}/push`, refused(host.replace(/:\d+$/, ''))]),
    ];
    for (const [pushEndpoint, message] of cases) {
      const reply = await strict.admin.put(`/v1/projects/${project.name}/subscriptions/s${cases.findIndex((c) => c[0] === pushEndpoint)}`, {
        topic: `projects/${project.name}/topics/${topic}`,
        pushConfig: { type: 'http_endpoint', pushEndpoint },
      });
      assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', message), pushEndpoint);
    }
    const sub = await project.subscription(topic);
    const modify = await strict.admin.post(`/v1/projects/${project.name}/subscriptions/${sub}:modifyPushConfig`, {
      pushConfig: { type: 'mattermost', mattermostUrl: 'https://127.0.0.2/hooks/x' },
    });
    assert.deepEqual(modify.body, amsError(400, 'INVALID_ARGUMENT', refused('127.0.0.2')));
    assert.equal((await strict.admin.get(`/v1/projects/${project.name}/subscriptions`)).body.totalSize, 1, 'nothing was created');
  });

  it('answers 409 Push functionality is currently disabled and reports it in /v1/status when push is off', async () => {
    const project = await newProject(disabled);
    const topic = await project.topic();
    const sub = await project.subscription(topic);
    const off = amsError(409, 'CONFLICT', 'Push functionality is currently disabled');
    const created = await disabled.admin.put(`/v1/projects/${project.name}/subscriptions/push`, {
      topic: `projects/${project.name}/topics/${topic}`,
      pushConfig: { type: 'http_endpoint', pushEndpoint: 'https://receiver.example.org/push' },
    });
    assert.deepEqual(created.body, off);
    const modified = await disabled.admin.post(`/v1/projects/${project.name}/subscriptions/${sub}:modifyPushConfig`, {
      pushConfig: { type: 'http_endpoint', pushEndpoint: 'https://receiver.example.org/push' },
    });
    assert.deepEqual(modified.body, off);
    assert.deepEqual((await disabled.admin.post(`/v1/projects/${project.name}/subscriptions/${sub}:verifyPushEndpoint`)).body, off);
    const toPull = await disabled.admin.post(`/v1/projects/${project.name}/subscriptions/${sub}:modifyPushConfig`, { pushConfig: {} });
    assert.equal(toPull.status, 200, 'going (back) to pull needs no push');
    assert.deepEqual((await disabled.client().get('/v1/status')).body, { status: 'ok', push_functionality: 'disabled' });
    assert.equal((await disabled.admin.get('/v1/users/push_worker_0')).status, 404, 'no push worker user is seeded');
  });
});
