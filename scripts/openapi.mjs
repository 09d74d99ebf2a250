// Writes the OpenAPI document of the built service to openapi/ams.openapi.json, or with --check fails when the
// checked-in copy differs from what the controllers generate now. Run after `npm run build`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOpenApi, createApp } from '../dist/app.factory.js';
import { loadConfig } from '../dist/config/config.js';

const target = new URL('../openapi/ams.openapi.json', import.meta.url);
const dataDir = mkdtempSync(join(tmpdir(), 'ams-openapi-'));
const app = await createApp(loadConfig({ AMS_DATA_DIR: dataDir, AMS_ADMIN_TOKEN: 'openapi-generator' }), {
  logLevel: 'silent',
});
const document = `${JSON.stringify(buildOpenApi(app), null, 2)}\n`;
await app.close();
rmSync(dataDir, { recursive: true, force: true });

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== document) {
    console.error('openapi/ams.openapi.json is stale: run `npm run openapi` and commit the result');
    process.exit(1);
  }
  console.log('openapi/ams.openapi.json is current');
} else {
  writeFileSync(target, document);
  console.log(`wrote ${target.pathname}`);
}
