#!/usr/bin/env node
'use strict';
// Builds dist/ from src/parley.js with node alone (no npm dependency):
//   dist/parley.js   the UMD build: src/parley.js as it is (<script> global ParleyEngine, CommonJS, AMD);
//                    the server serves the same file at /parley.js
//   dist/parley.mjs  the ES module build: the same factory, called once, its exports as ES exports
//   dist/parley.d.mts parley.d.ts for the ES module build (TypeScript reads .d.ts next to CommonJS as CommonJS)
// Usage: node scripts/build.js [outDir]   (default: dist next to this package's package.json)
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src', 'parley.js');
// The line that opens the factory and the line that closes it: src/parley.js keeps them as they are.
const FACTORY_OPEN = "})(typeof window !== 'undefined' ? window : globalThis, function (global) {";
const FACTORY_CLOSE = '});';

/** The factory's text, `function (global) { ... }`, cut out of the UMD source. */
function factoryOf(source) {
  const lines = source.split('\n');
  const open = lines.indexOf(FACTORY_OPEN);
  if (open < 0 || lines.indexOf(FACTORY_OPEN, open + 1) >= 0) {
    throw new Error(SRC + ': expected exactly one line `' + FACTORY_OPEN + '` (the UMD wrapper)');
  }
  let close = lines.length - 1;
  while (close > open && lines[close].trim() === '') close--;
  if (lines[close] !== FACTORY_CLOSE) {
    throw new Error(SRC + ': expected the last line to be `' + FACTORY_CLOSE + '` (the end of the UMD wrapper)');
  }
  return 'function (global) {\n' + lines.slice(open + 1, close).join('\n') + '\n}';
}

function esModule(source, version) {
  return '// parley-web ' + version + ': the ES module build of src/parley.js (scripts/build.js; do not edit).\n'
    + 'const api = (' + factoryOf(source) + ")(typeof window !== 'undefined' ? window : globalThis);\n"
    + 'export const ParleyEngine = api.ParleyEngine;\n'
    + 'export const ZegoExpressEngine = api.ZegoExpressEngine;\n'
    + 'export default ParleyEngine;\n';
}

function build(outDir) {
  const source = fs.readFileSync(SRC, 'utf8');
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  const declared = /const VERSION = '([^']+)'/.exec(source);
  if (!declared || declared[1] !== version) {
    throw new Error(SRC + ': VERSION ' + (declared ? declared[1] : '(none)') + ' (expected: ' + version
      + ', the version in package.json)');
  }
  fs.mkdirSync(outDir, {recursive: true});
  const files = {'parley.js': source, 'parley.mjs': esModule(source, version),
    'parley.d.mts': fs.readFileSync(path.join(ROOT, 'parley.d.ts'), 'utf8')};
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(outDir, name), text);
  return Object.keys(files).map((f) => path.join(outDir, f));
}

module.exports = {build, factoryOf};

if (require.main === module) {
  try {
    const out = build(path.resolve(process.argv[2] || path.join(ROOT, 'dist')));
    for (const f of out) console.log('built ' + path.relative(process.cwd(), f));
  } catch (e) {
    console.error('build failed: ' + e.message);
    process.exit(1);
  }
}
