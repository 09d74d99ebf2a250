import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodedData, pushedSubscriptionName, pushRequest, verificationUrl } from '../../src/push/push-body.js';
import type { PushConfigRecord } from '../../src/storage/ports/records.js';

const CONFIG: PushConfigRecord = {
  type: 'http_endpoint',
  pushEndpoint: 'https://receiver.example.org/push?x=1',
  maxMessages: 1,
  authorizationHeader: { type: 'autogen', value: 'secret-value' },
  retryPolicy: { type: 'linear', period: 3000 },
  verificationHash: 'hash',
  verified: true,
  mattermostUrl: '',
  mattermostUsername: '',
  mattermostChannel: '',
  base64Decode: false,
};
const SUB = pushedSubscriptionName('ARGO', 'alerts', 'ams.example.org:443');
const M1 = { messageId: '7', attributes: { a: 'b' }, data: Buffer.from('hello').toString('base64'), publishTime: '2024-03-01T10:00:05.1Z' };
const M2 = { messageId: '8', data: 'bm90IGJhc2U2NA==', publishTime: '2024-03-01T10:00:06Z' };

describe('pushed requests (spec 4.6)', () => {
  it('names the subscription as the original does', () => {
    assert.equal(SUB, 'subscription /projects/ARGO/subscriptions/alerts from ams.example.org:443');
  });

  it('maxMessages 1: one message envelope, JSON, the raw Authorization value', () => {
    const request = pushRequest(CONFIG, [M1], SUB);
    assert.equal(request.url, 'https://receiver.example.org/push?x=1');
    assert.deepEqual(request.headers, { 'content-type': 'application/json', authorization: 'secret-value' });
    assert.equal(
      request.body,
      `{"message":{"messageId":"7","attributes":{"a":"b"},"data":"aGVsbG8=","publishTime":"2024-03-01T10:00:05.1Z"},"subscription":"${SUB}"}`,
    );
    assert.deepEqual(request.success, [200, 201, 204, 102]);
  });

  it('maxMessages > 1: the messages array, even for one message; attributes always present; no header when disabled', () => {
    const config = { ...CONFIG, maxMessages: 5, authorizationHeader: { type: 'disabled' as const, value: '' } };
    const request = pushRequest(config, [M1, M2], SUB);
    assert.deepEqual(request.headers, { 'content-type': 'application/json' });
    assert.deepEqual(JSON.parse(request.body), {
      messages: [
        { message: M1, subscription: SUB },
        { message: { ...M2, attributes: {} }, subscription: SUB },
      ],
    });
    assert.deepEqual(Object.keys(JSON.parse(pushRequest(config, [M2], SUB).body)), ['messages']);
  });

  it('base64Decode pushes the decoded data, and data that is not base64 as it is', () => {
    const request = pushRequest({ ...CONFIG, base64Decode: true }, [M1], SUB);
    assert.equal(JSON.parse(request.body).message.data, 'hello');
    assert.equal(decodedData('not base64!'), 'not base64!');
    assert.equal(decodedData('abc'), 'abc', 'a length that is no multiple of 4 is not base64');
    assert.equal(decodedData('bm90IGJhc2U2NA=='), 'not base64');
  });

  it('mattermost: {text, username?, channel?} from the first message, success only on 200', () => {
    const config: PushConfigRecord = {
      ...CONFIG,
      type: 'mattermost',
      pushEndpoint: '',
      mattermostUrl: 'https://chat.example.org/hooks/abc',
      mattermostUsername: 'bot',
      mattermostChannel: '',
      base64Decode: true,
    };
    const request = pushRequest(config, [M1, M2], SUB);
    assert.equal(request.url, 'https://chat.example.org/hooks/abc');
    assert.equal(request.body, '{"text":"hello","username":"bot"}');
    assert.deepEqual(request.headers, { 'content-type': 'application/json' });
    assert.deepEqual(request.success, [200]);
  });

  it('verifies at /ams_verification_hash of the endpoint host, path and query dropped', () => {
    assert.equal(verificationUrl('https://receiver.example.org:8443/a/b?c=d'), 'https://receiver.example.org:8443/ams_verification_hash');
    assert.equal(verificationUrl('http://127.0.0.1:9000/push'), 'http://127.0.0.1:9000/ams_verification_hash');
  });
});
