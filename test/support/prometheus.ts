import assert from 'node:assert/strict';
import type { Client } from './client.js';

/** One sample of the Prometheus text format: `name{label="value",...} number`. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a scrape (comments and blank lines skipped). */
export function parseProm(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    assert.ok(match !== null, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Samples of `name` whose labels include `labels`. */
export function samplesOf(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): PromSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample of `name` with exactly these labels; undefined when there is none. */
export function valueOf(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.keys(s.labels).length === Object.keys(labels).length && samplesOf([s], name, labels).length === 1,
  );
  assert.ok(found.length <= 1, `several samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** GET /metrics with an optional bearer token; asserts 200 and the Prometheus content type. */
export async function scrape(client: Client, token?: string): Promise<PromSample[]> {
  const reply = await client.get('/metrics', {
    tokenIn: 'none',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseProm(reply.text);
}

/** Scrapes until `ready` holds (a scheduled refresh has run), for at most `timeoutMs`. */
export async function scrapeUntil(
  client: Client,
  token: string | undefined,
  ready: (samples: PromSample[]) => boolean,
  timeoutMs = 15_000,
): Promise<PromSample[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = await scrape(client, token);
    if (ready(samples)) return samples;
    assert.ok(Date.now() < deadline, 'the scheduled refresh did not come in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
