import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import kafkajs from 'kafkajs';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { ROOT } from '../support/child-server.js';
import type { Reply } from '../support/client.js';

type AnyReply = Reply<any>;

/**
 * Publishes while the Kafka broker does not answer (run alone, like the other outage tests: it pauses the shared broker
 * of scripts/services/kafka.sh with SIGSTOP and resumes it with SIGCONT). A publish answered 503 before it reached
 * Kafka is never written later; a full outbox answers 503 at once without holding more memory; and a produce request
 * failing for one topic never makes another topic's publishes appear twice.
 */

/** No request may take longer than this while the broker is paused (the bound). */
const ANSWER_WITHIN_MS = 10_000;
/** "At once": a full outbox answers without waiting for Kafka (generous for a loaded 2-core machine). */
const AT_ONCE_MS = 3000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function kafkaPid(): number {
  return Number(readFileSync(join(ROOT, '.services', 'kafka', 'kafka.pid'), 'utf8').trim());
}

/** Runs `work` with the broker paused (SIGSTOP); resumes it whatever happens. */
async function whilePaused<T>(work: () => Promise<T>): Promise<T> {
  const pid = kafkaPid();
  process.kill(pid, 'SIGSTOP');
  try {
    return await work();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/** The heap in use after a full collection (--expose-gc switched on at run time). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

function assertUnavailable(reply: AnyReply, what: string): void {
  assert.equal(reply.status, 503, `${what}: ${reply.text}`);
  assert.equal(reply.body.error.code, 503, what);
  assert.equal(reply.body.error.status, 'SERVICE_UNAVAILABLE', what);
}

/** Retries `call` until it answers 200, for at most a minute. */
async function until200(call: () => Promise<AnyReply>): Promise<AnyReply> {
  let last: AnyReply | null = null;
  for (let i = 0; i < 120; i++) {
    last = await call();
    if (last.status === 200) return last;
    await sleep(500);
  }
  throw new Error(`no recovery: ${last?.text}`);
}

const encode = (text: string): string => Buffer.from(text).toString('base64');
const decode = (data: string): string => Buffer.from(data, 'base64').toString();

describe('kafka-mongo publishes while Kafka does not answer', () => {
  let app: RunningApp;
  let project: string;
  let base: string;

  /** A topic and a subscription to it; returns publish and pull-everything helpers. */
  async function topicWithSubscription(name: string) {
    const topicPath = `${base}/topics/${name}`;
    const subPath = `${base}/subscriptions/${name}-sub`;
    assert.equal((await app.admin.put(topicPath)).status, 200);
    assert.equal((await app.admin.put(subPath, { topic: `projects/${project}/topics/${name}` })).status, 200);
    return {
      publish: async (text: string): Promise<AnyReply & { ms: number }> => {
        const start = Date.now();
        const reply = await app.admin.post(
          `${topicPath}:publish`,
          { messages: [{ data: encode(text) }] },
          { signal: AbortSignal.timeout(ANSWER_WITHIN_MS) },
        );
        return Object.assign(reply, { ms: Date.now() - start });
      },
      /** Every message of the topic, as [messageId, text], in log order. */
      everything: async (): Promise<[string, string][]> => {
        const reply = await until200(() => app.admin.post(`${subPath}:pull`, { maxMessages: '1000' }));
        return reply.body.receivedMessages.map((m: { message: { messageId: string; data: string } }) => [
          m.message.messageId,
          decode(m.message.data),
        ]);
      },
    };
  }

  before(async () => {
    assert.equal(process.env.AMS_STORE, 'kafka-mongo', 'run this file on AMS_STORE=kafka-mongo');
    app = await startApp();
    project = unique('writes');
    base = `/v1/projects/${project}`;
    assert.equal((await app.admin.post(base, {})).status, 200);
  });

  after(async () => {
    await app.close();
  });

  it('never writes a publish it answered 503 before handing it to Kafka', async () => {
    const topic = await topicWithSubscription('late');
    assert.equal((await topic.publish('before')).status, 200);
    const late = ['late-0', 'late-1', 'late-2', 'late-3', 'late-4'];
    await whilePaused(async () => {
      // The first is in a produce request the paused broker does not answer; the others wait behind it.
      const inFlight = topic.publish('in-flight');
      await sleep(500);
      for (const reply of await Promise.all(late.map((text) => topic.publish(text)))) {
        assertUnavailable(reply, 'publish while Kafka is paused');
        assert.ok(reply.ms < ANSWER_WITHIN_MS, `answered after ${reply.ms} ms`);
      }
      assertUnavailable(await inFlight, 'the publish in flight'); // its outcome is unknown: it may be written
    });
    await until200(() => topic.publish('after'));
    const texts = (await topic.everything()).map(([, text]) => text);
    assert.deepEqual(late.filter((text) => texts.includes(text)), [], 'publishes answered 503 appeared later');
    assert.ok(texts.includes('before') && texts.includes('after'), texts.join());
  });

  it('answers 503 at once when the outbox is full, and holds no more memory', async () => {
    const small = await startApp({ AMS_KAFKA_OUTBOX_MAX_PUBLISHES: '3', AMS_KAFKA_OUTBOX_MAX_BYTES: String(1024 * 1024) });
    try {
      const path = `/v1/projects/${unique('full')}`;
      assert.equal((await small.admin.post(path, {})).status, 200);
      assert.equal((await small.admin.put(`${path}/topics/t`)).status, 200);
      const publish = (data: string): Promise<AnyReply> =>
        small.admin.post(`${path}/topics/t:publish`, { messages: [{ data }] }, { signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
      assert.equal((await publish(encode('warm-up'))).status, 200);
      const megabyte = Buffer.alloc(768 * 1024, 7).toString('base64'); // 1 MiB of base64
      await whilePaused(async () => {
        // One in flight and two waiting: the outbox is full (3 publishes).
        const held = [publish(encode('a')), sleep(300).then(() => publish(encode('b'))), sleep(300).then(() => publish(encode('c')))];
        await sleep(800);
        const heapBefore = heapAfterGc();
        for (let i = 0; i < 60; i++) {
          const start = Date.now();
          const reply = await publish(megabyte);
          assertUnavailable(reply, `publish ${i} to a full outbox`);
          assert.ok(Date.now() - start < AT_ONCE_MS, `publish ${i} to a full outbox took ${Date.now() - start} ms`);
        }
        const grown = heapAfterGc() - heapBefore;
        // 60 MiB were refused; an outbox that kept them would have grown by at least that much.
        assert.ok(grown < 20 * 1024 * 1024, `the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MiB`);
        await Promise.all(held);
      });
      await until200(() => publish(encode('after')));
    } finally {
      await small.close();
    }
  });

  it('a produce failing for one topic never writes another topic\'s publishes twice', async () => {
    const y = await topicWithSubscription('steady');
    const admin = new kafkajs.Kafka({ brokers: [...(app.config.kafka?.brokers ?? [])], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const known = new Set(await admin.listTopics());
      const x = await topicWithSubscription('small');
      const [xTopic] = (await admin.listTopics()).filter((t) => t.startsWith(app.config.kafka?.topicPrefix ?? '?') && !known.has(t));
      assert.ok(xTopic !== undefined, 'the Kafka topic of the new AMS topic');
      // Kafka refuses any record batch of this topic larger than 2,000 bytes; the other topic is unaffected.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: xTopic, configEntries: [{ name: 'max.message.bytes', value: '2000' }] }],
      });
      assert.equal((await y.publish('y-first')).status, 200);
      const texts = ['y-0', 'y-1', 'y-2', 'y-3', 'y-4'];
      const replies = await whilePaused(async () => {
        // The publishes wait together while the broker is paused, so they would share the next produce request.
        const inFlight = y.publish('y-in-flight');
        await sleep(300);
        const all = Promise.all([x.publish('x'.repeat(6000)), ...texts.map((text) => y.publish(text))]);
        await sleep(700);
        return [inFlight, all] as const;
      }).then(async ([inFlight, all]) => [await inFlight, ...(await all)]);
      assert.notEqual(replies[1].status, 200, 'the batch too large for its topic fails');
      const after = await until200(() => y.publish('y-after'));
      assert.equal(after.status, 200);
      const log = await y.everything();
      const seen = log.map(([, text]) => text);
      assert.deepEqual(seen.filter((text, i) => seen.indexOf(text) !== i), [], `written twice: ${seen.join()}`);
      const answered200 = ['y-in-flight', ...texts].filter((_, i) => replies[i === 0 ? 0 : i + 1].status === 200);
      for (const text of ['y-first', ...answered200, 'y-after']) assert.ok(seen.includes(text), `${text} answered 200 but missing`);
      assert.deepEqual(log.map(([id]) => id), log.map((_, i) => String(i)), 'gap-free ids');
    } finally {
      await admin.disconnect();
    }
  });
});
