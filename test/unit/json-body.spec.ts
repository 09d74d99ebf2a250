import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmsError } from '../../src/common/ams-error.js';
import { decodeBody, InvalidJson, parseJsonBody } from '../../src/common/json-body.js';
import { AcknowledgeDto, PullDto } from '../../src/delivery/dto/delivery.dto.js';
import { PushConfigInDto } from '../../src/push/dto/push-config.dto.js';
import { CreateSubscriptionDto } from '../../src/subscriptions/dto/subscription.dto.js';
import { CreateTopicDto, MessageInDto, PublishDto } from '../../src/topics/dto/topic.dto.js';

const raw = (text: string): unknown => parseJsonBody(text);

/** The fields a DTO instance has values for (class fields exist on every instance, as undefined). */
function defined(dto: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined));
}

const rejectsWith = (code: number, status: string, message: string) => (err: unknown) => {
  assert.ok(err instanceof AmsError, String(err));
  assert.deepEqual({ code: err.code, status: err.status, message: err.message }, { code, status, message });
  return true;
};

describe('parseJsonBody (spec 1.3: JSON whatever the Content-Type)', () => {
  const parsed: [string, unknown][] = [
    ['{"a":1}', { a: 1 }],
    ['  {"a":[1,"x",null]}\n', { a: [1, 'x', null] }],
    ['[1,2]', [1, 2]],
    ['"text"', 'text'],
    ['42', 42],
    ['null', null],
  ];
  for (const [text, value] of parsed) {
    it(`${JSON.stringify(text)} parses`, () => {
      assert.deepEqual(parseJsonBody(text), value);
    });
  }

  for (const text of ['', '   ', '\n\t']) {
    it(`${JSON.stringify(text)} is an empty body (undefined)`, () => {
      assert.equal(parseJsonBody(text), undefined);
    });
  }

  for (const text of ['{', '{"a":}', "{'a':1}", 'msg 1', '{"a":1}}']) {
    it(`${JSON.stringify(text)} is not JSON`, () => {
      const value = parseJsonBody(text);
      assert.ok(value instanceof InvalidJson);
      assert.notEqual(value.reason, '');
    });
  }
});

describe('decodeBody: Go encoding/json semantics (spec 1.3)', () => {
  const INVALID_ACK = rejectsWith(400, 'INVALID_ARGUMENT', 'Invalid ack parameter');

  const ackKeys = ['ackIds', 'AckIds', 'ACKIDS', 'ackids', 'aCkIdS'];
  for (const key of ackKeys) {
    it(`matches the key ${key} case-insensitively`, () => {
      const dto = decodeBody(raw(`{"${key}":["projects/P/subscriptions/S:1"]}`), AcknowledgeDto);
      assert.ok(dto instanceof AcknowledgeDto);
      assert.deepEqual(dto.ackIds, ['projects/P/subscriptions/S:1']);
    });
  }

  it('ignores unknown keys', () => {
    const dto = decodeBody(raw('{"ackIds":["a"],"extra":{"deep":true},"ack_ids":1}'), AcknowledgeDto);
    assert.deepEqual(defined(dto), { ackIds: ['a'] });
  });

  it('treats null as absent', () => {
    assert.equal(decodeBody(raw('{"ackIds":null}'), AcknowledgeDto).ackIds, undefined);
    assert.equal(decodeBody(raw('{"maxMessages":null,"returnImmediately":null}'), PullDto).maxMessages, undefined);
  });

  it('decodes a null document like an empty object (a Go no-op)', () => {
    assert.deepEqual(defined(decodeBody(raw('null'), AcknowledgeDto)), {});
  });

  const badBodies: [string, string][] = [
    ['', 'an empty body'],
    ['{', 'broken JSON'],
    ['[]', 'an array'],
    ['"ackIds"', 'a string'],
    ['7', 'a number'],
    ['{"ackIds":"projects/P/subscriptions/S:1"}', 'a string where a list is declared'],
    ['{"ackIds":[1,2]}', 'numbers in a list of strings'],
    ['{"AckIds":{"a":1}}', 'an object where a list is declared'],
  ];
  for (const [text, why] of badBodies) {
    it(`answers the route's own 400 for ${why}`, () => {
      assert.throws(() => decodeBody(raw(text), AcknowledgeDto), INVALID_ACK);
    });
  }

  it('an empty body is {} where the route says so (topic create)', () => {
    assert.deepEqual(defined(decodeBody(raw(''), CreateTopicDto)), {});
    assert.equal(decodeBody(raw('{"SCHEMA":"projects/P/schemas/S"}'), CreateTopicDto).schema, 'projects/P/schemas/S');
    assert.throws(() => decodeBody(raw('{x'), CreateTopicDto), rejectsWith(400, 'BAD_REQUEST', 'Invalid Request Body'));
    assert.throws(() => decodeBody(raw('{"schema":5}'), CreateTopicDto), rejectsWith(400, 'BAD_REQUEST', 'Invalid Request Body'));
  });

  it('refuses a class without body rules', () => {
    assert.throws(() => decodeBody({}, MessageInDto), /no @JsonBody rules/);
  });
});

describe('decodeBody: nested DTOs', () => {
  const INVALID_SUB = rejectsWith(400, 'INVALID_ARGUMENT', 'Invalid Subscription Arguments');
  const INVALID_MSG = rejectsWith(400, 'INVALID_ARGUMENT', 'Invalid Message Arguments');

  it('folds keys at every level of a nested object', () => {
    const dto = decodeBody(
      raw(
        JSON.stringify({
          TOPIC: 'projects/P/topics/T',
          AckDeadlineSeconds: 30,
          PushConfig: {
            TYPE: 'http_endpoint',
            pushendpoint: 'https://r.example.org',
            MaxMessages: 2,
            RetryPolicy: { Type: 'linear', PERIOD: 500 },
            authorizationheader: { TYPE: 'disabled' },
            Base64Decode: true,
            unknown: 'dropped',
          },
        }),
      ),
      CreateSubscriptionDto,
    );
    assert.equal(dto.topic, 'projects/P/topics/T');
    assert.equal(dto.ackDeadlineSeconds, 30);
    assert.ok(dto.pushConfig instanceof PushConfigInDto);
    assert.equal(dto.pushConfig.type, 'http_endpoint');
    assert.equal(dto.pushConfig.pushEndpoint, 'https://r.example.org');
    assert.equal(dto.pushConfig.maxMessages, 2);
    assert.deepEqual(defined(dto.pushConfig.retryPolicy as object), { type: 'linear', period: 500 });
    assert.deepEqual(defined(dto.pushConfig.authorizationHeader as object), { type: 'disabled' });
    assert.equal(dto.pushConfig.base64Decode, true);
    assert.equal((dto.pushConfig as unknown as Record<string, unknown>).unknown, undefined);
  });

  it('null nested objects and null nested fields are absent', () => {
    assert.equal(decodeBody(raw('{"topic":"projects/P/topics/T","pushConfig":null}'), CreateSubscriptionDto).pushConfig, undefined);
    const dto = decodeBody(raw('{"pushConfig":{"type":null,"retryPolicy":null}}'), CreateSubscriptionDto);
    assert.equal(dto.pushConfig?.type, undefined);
    assert.equal(dto.pushConfig?.retryPolicy, undefined);
  });

  const badNested: [string, string][] = [
    ['{"pushConfig":"http_endpoint"}', 'a string for an object'],
    ['{"pushConfig":[]}', 'a list for an object'],
    ['{"pushConfig":{"maxMessages":"1"}}', 'a string for a number'],
    ['{"pushConfig":{"maxMessages":1.5}}', 'a fraction for a whole number'],
    ['{"pushConfig":{"retryPolicy":{"period":"fast"}}}', 'a wrong type two levels down'],
    ['{"pushConfig":{"base64Decode":"true"}}', 'a string for a boolean'],
    ['{"topic":5}', 'a number for a string'],
    ['{"ackDeadlineSeconds":"10"}', 'a string for a number at the top'],
  ];
  for (const [text, why] of badNested) {
    it(`rejects ${why}`, () => {
      assert.throws(() => decodeBody(raw(text), CreateSubscriptionDto), INVALID_SUB);
    });
  }

  it('decodes each item of a list of nested objects, leaving map keys alone', () => {
    const dto = decodeBody(
      raw('{"Messages":[{"DATA":"msg 1","Attributes":{"Key":"V","lower":"v"}},{"data":"msg 2"}]}'),
      PublishDto,
    );
    assert.equal(dto.messages?.length, 2);
    assert.ok(dto.messages?.[0] instanceof MessageInDto);
    assert.equal(dto.messages?.[0].data, 'msg 1');
    assert.deepEqual(dto.messages?.[0].attributes, { Key: 'V', lower: 'v' });
    assert.equal(dto.messages?.[1].data, 'msg 2');
    assert.equal(dto.messages?.[1].attributes, undefined);
  });

  const badMessages: [string, string][] = [
    ['{"messages":[{"data":5}]}', 'non-string data'],
    ['{"messages":[{"data":"x","attributes":{"k":1}}]}', 'a non-string attribute value'],
    ['{"messages":[{"data":"x","attributes":["k"]}]}', 'attributes as a list'],
    ['{"messages":{"data":"x"}}', 'messages as an object'],
    ['{"messages":["x"]}', 'a string item'],
    ['', 'an empty body'],
  ];
  for (const [text, why] of badMessages) {
    it(`publish rejects ${why} with Invalid Message Arguments`, () => {
      assert.throws(() => decodeBody(raw(text), PublishDto), INVALID_MSG);
    });
  }

  it('publish accepts {} and {"messages":[]}', () => {
    assert.equal(decodeBody(raw('{}'), PublishDto).messages, undefined);
    assert.deepEqual(decodeBody(raw('{"messages":[]}'), PublishDto).messages, []);
  });

  it('pull accepts strings as AMS clients send them, and numbers and booleans too', () => {
    assert.deepEqual(defined(decodeBody(raw('{"maxMessages":"10","returnImmediately":"false"}'), PullDto)), {
      maxMessages: '10',
      returnImmediately: 'false',
    });
    assert.deepEqual(defined(decodeBody(raw('{"MaxMessages":10,"ReturnImmediately":false}'), PullDto)), {
      maxMessages: 10,
      returnImmediately: false,
    });
    assert.throws(
      () => decodeBody(raw('{"maxMessages":["10"]}'), PullDto),
      rejectsWith(400, 'INVALID_ARGUMENT', 'Invalid Pull Parameters Arguments'),
    );
  });
});
