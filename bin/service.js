#!/usr/bin/env node
// Starts one service from the build: `node bin/service.js <ingest-watcher|classifier|spark-dispatcher|auditor>`.
const fs = require('node:fs');
const path = require('node:path');

const APPS = ['ingest-watcher', 'classifier', 'spark-dispatcher', 'auditor'];
const app = process.argv[2];
if (!APPS.includes(app)) {
  process.stderr.write(`usage: node bin/service.js <${APPS.join('|')}>; received ${JSON.stringify(app)}\n`);
  process.exit(2);
}
const main = path.join(__dirname, '..', 'dist', 'apps', app, 'src', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(`${app} is not built (${main} is missing): run "npm run build" first.\n`);
  process.exit(2);
}
require('./register-paths');
require(main);
