'use strict';
// The package itself: its two builds export the same engine every way it can be loaded, the versions agree, the
// declarations name every public call and event, and the server serves the UMD build at /parley.js.
const {test} = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const {build, factoryOf} = require('../scripts/build');
const {builds, DIST} = require('./helpers');

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src', 'parley.js');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

test('the UMD build is src/parley.js as it is; the ES module build exports the same API', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-build-'));
  try {
    build(out);
    assert.equal(fs.readFileSync(path.join(out, 'parley.js'), 'utf8'), fs.readFileSync(SRC, 'utf8'));
    assert.equal(fs.readFileSync(path.join(out, 'parley.d.mts'), 'utf8'), fs.readFileSync(path.join(ROOT, 'parley.d.ts'), 'utf8'));
    const esm = fs.readFileSync(path.join(out, 'parley.mjs'), 'utf8');
    assert.match(esm, /^export const ParleyEngine = /m);
    assert.match(esm, /^export default ParleyEngine;$/m);
  } finally {
    fs.rmSync(out, {recursive: true, force: true});
  }
  const {umd, esm} = await builds();
  for (const [name, m] of Object.entries({umd, esm})) {
    assert.equal(typeof m.ParleyEngine, 'function', name);
    assert.equal(m.default, m.ParleyEngine, name + ': the default export');
    assert.equal(m.ZegoExpressEngine, m.ParleyEngine, name + ': ZEGO\'s class name');
    assert.equal(m.ParleyEngine.VERSION, pkg.version, name);
    assert.deepEqual(Object.keys(m.ParleyEngine.prototype), Object.keys(umd.ParleyEngine.prototype), name);
    assert.deepEqual([...m.ParleyEngine.EVENTS], [...umd.ParleyEngine.EVENTS], name);
  }
  assert.notEqual(esm.ParleyEngine, umd.ParleyEngine, 'two builds, two evaluations');
});

test('a <script> tag gets the global ParleyEngine (as the demo page and the browser tests use it), AMD gets the module', () => {
  const src = fs.readFileSync(path.join(DIST, 'parley.js'), 'utf8');
  const page = {};
  page.window = page;
  vm.runInNewContext(src, page);
  assert.equal(typeof page.ParleyEngine, 'function');
  assert.equal(page.ParleyEngine.name, 'ParleyEngine');
  assert.deepEqual(Object.keys(page).sort(), ['ParleyEngine', 'window'], 'no other global');

  let defined;
  const amd = {define: Object.assign((deps, f) => { defined = f(); }, {amd: {}})};
  vm.runInNewContext(src, amd);
  assert.equal(typeof defined.ParleyEngine, 'function');
  assert.equal(amd.ParleyEngine, undefined, 'AMD: no global');
});

test('the build refuses a source whose UMD wrapper it does not recognise', () => {
  const src = fs.readFileSync(SRC, 'utf8');
  assert.match(factoryOf(src), /^function \(global\) \{\n {2}'use strict';/);
  assert.throws(() => factoryOf(src.replace("function (global) {", "function (g) {")), /expected exactly one line/);
  assert.throws(() => factoryOf(src.trimEnd() + '\nextra();\n'), /expected the last line/);
});

test('the versions agree: package.json, parley.js\'s VERSION, the Maven project', () => {
  const pom = fs.readFileSync(path.join(ROOT, 'pom.xml'), 'utf8');
  const mavenVersion = /<parent>[\s\S]*?<version>([^<]+)<\/version>/.exec(pom)[1];
  assert.equal(pkg.version, mavenVersion.replace(/-SNAPSHOT$/, ''));
  assert.match(fs.readFileSync(SRC, 'utf8'), new RegExp("const VERSION = '" + pkg.version.replace(/\./g, '\\.') + "'"));
});

test('package.json points at files the build makes', () => {
  const targets = [pkg.main, pkg.module, pkg.types, pkg.exports['.'].import.types, pkg.exports['.'].import.default,
    pkg.exports['.'].require.types, pkg.exports['.'].require.default, pkg.exports['.'].default];
  for (const t of targets) assert.ok(fs.existsSync(path.join(ROOT, t)), t);
  for (const f of pkg.files) assert.ok(fs.existsSync(path.join(ROOT, f)), f);
});

test('the declarations and the README name every public method and event', async () => {
  const dts = fs.readFileSync(path.join(ROOT, 'parley.d.ts'), 'utf8');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const {umd} = await builds();
  const methods = Object.getOwnPropertyNames(umd.ParleyEngine.prototype).filter((k) => k !== 'constructor' && !k.startsWith('_'));
  assert.ok(methods.length >= 13, methods.join());
  for (const m of methods) {
    assert.match(dts, new RegExp('\\b' + m + '[<(]'), 'parley.d.ts: ' + m);
    assert.match(readme, new RegExp('`' + m + '\\('), 'README.md: ' + m);
  }
  for (const ev of umd.ParleyEngine.EVENTS) {
    assert.match(dts, new RegExp('\\b' + ev + ': \\('), 'parley.d.ts: ' + ev);
    assert.match(readme, new RegExp('`' + ev + '`'), 'README.md: ' + ev);
  }
  for (const [k, code] of Object.entries(umd.ParleyEngine.ERRORS)) {
    assert.match(dts, new RegExp('\\b' + k + ': number'), 'parley.d.ts: ERRORS.' + k);
    assert.match(readme, new RegExp('\\b' + code + '\\b'), 'README.md: ' + code);
  }
});
