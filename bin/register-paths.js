// Compiled code keeps the tsconfig path aliases (@app/<lib>); map them onto dist/libs/<lib>/src at run
// time, the way jest's moduleNameMapper does for the tests. No bundler needed.
const Module = require('node:module');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const original = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, ...rest) {
  const match = /^@app\/([a-z-]+)$/.exec(request);
  if (match) request = path.join(dist, 'libs', match[1], 'src', 'index.js');
  return original.call(this, request, ...rest);
};
