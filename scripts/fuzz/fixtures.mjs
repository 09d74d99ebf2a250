// Creates the resources the fuzzing pass works on (a project with a topic, a subscription, a member, a schema, and a
// pending registration) through the API itself, and prints them as KEY=value lines for scripts/api-fuzz.sh.
// Usage: node scripts/fuzz/fixtures.mjs <base url> <service_admin token>
const [base, token] = process.argv.slice(2);

async function call(method, path, body) {
  const reply = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await reply.text();
  if (reply.status !== 200) throw new Error(`${method} ${path}: ${reply.status} ${text}`);
  return text === '' ? {} : JSON.parse(text);
}

const project = 'fuzz';
const p = `/v1/projects/${project}`;
await call('POST', p, { description: 'fuzzing fixtures' });
await call('POST', `/v1/users/fuzz-user`, {
  email: 'fuzz@example.org',
  projects: [{ project, roles: ['publisher', 'consumer'] }],
});
await call('POST', `${p}/schemas/fuzz-schema`, {
  type: 'json',
  schema: { type: 'object', properties: { name: { type: 'string' } } },
});
await call('PUT', `${p}/topics/fuzz-topic`);
await call('PUT', `${p}/subscriptions/fuzz-sub`, { topic: `projects/${project}/topics/fuzz-topic` });
await call('POST', `${p}/topics/fuzz-topic:publish`, { messages: [{ data: 'aGVsbG8=', attributes: { k: 'v' } }] });
const registration = await call('POST', '/v1/registrations', { name: 'fuzz-signup', email: 'signup@example.org' });

console.log(`FUZZ_PROJECT=${project}`);
console.log('FUZZ_TOPIC=fuzz-topic');
console.log('FUZZ_SUBSCRIPTION=fuzz-sub');
console.log('FUZZ_USER=fuzz-user');
console.log('FUZZ_SCHEMA=fuzz-schema');
console.log(`FUZZ_REGISTRATION=${registration.uuid}`);
