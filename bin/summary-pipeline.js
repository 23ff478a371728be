#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');

const main = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(`summary-pipeline is not built (${main} is missing): run "npm run build" first.\n`);
  process.exit(2);
}
require('./register-paths');
require(main);
