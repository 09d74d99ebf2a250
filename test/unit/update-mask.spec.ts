import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmsError } from '../../src/common/ams-error.js';
import { fieldsToUpdate } from '../../src/common/update-mask.js';

describe('fieldsToUpdate (PATCH, pubsub-extensions 10)', () => {
  const updatable = ['expirationPolicy', 'retryPolicy'] as const;

  it('without a mask: the updatable fields the body sends', () => {
    assert.deepEqual([...fieldsToUpdate({}, updatable)], []);
    assert.deepEqual([...fieldsToUpdate({ expirationPolicy: {} }, updatable)], ['expirationPolicy']);
    assert.deepEqual([...fieldsToUpdate({ expirationPolicy: {}, retryPolicy: {} }, updatable)], ['expirationPolicy', 'retryPolicy']);
  });

  it('with a mask: the fields it names, in either spelling, sent or not', () => {
    assert.deepEqual([...fieldsToUpdate({ updateMask: 'expiration_policy' }, updatable)], ['expirationPolicy']);
    assert.deepEqual([...fieldsToUpdate({ updateMask: ' retryPolicy , expirationPolicy ', retryPolicy: {} }, updatable)], [
      'retryPolicy',
      'expirationPolicy',
    ]);
    assert.deepEqual([...fieldsToUpdate({ updateMask: '', expirationPolicy: {} }, updatable)], [], 'an empty mask names nothing');
  });

  it('a mask naming anything else is a 400 naming it', () => {
    assert.throws(
      () => fieldsToUpdate({ updateMask: 'expirationPolicy,topic' }, updatable),
      (err: unknown) => err instanceof AmsError && err.code === 400 && err.message === 'Invalid updateMask: topic cannot be updated',
    );
  });
});
