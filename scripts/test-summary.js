// Adds up jest's JSON reports and pytest's JUnit XML into one closing line: "test: N passed, N failed".
// A suite whose report is missing counts as a failure: it did not run.
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const name of ['unit.json', 'int-stack.json', 'int-spark.json', 'int-in-process.json', 'cluster.json']) {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    missing.push(name);
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  skipped += r.numPendingTests + (r.numTodoTests || 0);
}
for (const name of ['runner.xml', 'runner-connect.xml']) {
  const xml = path.join(dir, name);
  if (!fs.existsSync(xml)) {
    missing.push(name);
    continue;
  }
  const text = fs.readFileSync(xml, 'utf8');
  const attr = (n) =>
    [...text.matchAll(new RegExp(`<testsuite [^>]*\\b${n}="(\\d+)"`, 'g'))].reduce((a, m) => a + Number(m[1]), 0);
  const total = attr('tests');
  const bad = attr('failures') + attr('errors');
  const skip = attr('skipped');
  passed += total - bad - skip;
  failed += bad;
  skipped += skip;
}
if (missing.length) {
  console.error(`[test] no report from: ${missing.join(', ')}`);
  failed += missing.length;
}
console.log(`test: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
