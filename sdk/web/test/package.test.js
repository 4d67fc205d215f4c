'use strict';
// The package as a user gets it: `npm pack`, installed into an empty project (offline: it has no dependencies),
// then loaded by require and by import, and type-checked there by tsc when it is available. Packs dist/ as `npm test`
// built it (--ignore-scripts: prepack would rewrite dist/ while the other test files read it).
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {execFileSync, spawnSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const TSC = process.env.PARLEY_TSC || 'tsc';
const noTsc = spawnSync(TSC, ['--version']).error ? TSC + ' not found (apt-get install node-typescript, or set PARLEY_TSC)' : false;
let app;

before(() => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-app-'));
  const tgz = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', app], {cwd: ROOT, encoding: 'utf8'}).trim().split('\n').pop();
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({name: 'app', version: '1.0.0', private: true}));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', path.join(app, tgz)], {cwd: app});
});

after(() => fs.rmSync(app, {recursive: true, force: true}));

test('the packed package holds the two builds, the declarations and the README, and nothing else', () => {
  const installed = path.join(app, 'node_modules', 'parley-web');
  const files = [];
  (function walk(dir) {
    for (const f of fs.readdirSync(dir, {withFileTypes: true})) {
      if (f.isDirectory()) walk(path.join(dir, f.name));
      else files.push(path.relative(installed, path.join(dir, f.name)));
    }
  })(installed);
  assert.deepEqual(files.sort(), ['README.md', 'dist/parley.d.mts', 'dist/parley.js', 'dist/parley.mjs', 'package.json', 'parley.d.ts']);
});

test('an app requires it and imports it by name', () => {
  const script = "const {ParleyEngine, ZegoExpressEngine} = require('parley-web');\n"
    + "import('parley-web').then((m) => console.log(JSON.stringify({cjs: typeof ParleyEngine, same: ZegoExpressEngine === ParleyEngine,\n"
    + "  esm: typeof m.ParleyEngine, dflt: m.default === m.ParleyEngine, version: m.ParleyEngine.VERSION,\n"
    + "  umd: require.resolve('parley-web').endsWith('dist/parley.js')})));\n";
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], {cwd: app, encoding: 'utf8'}));
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  assert.deepEqual(out, {cjs: 'function', same: true, esm: 'function', dflt: true, version, umd: true});
});

test('tsc type-checks the typed usage against the installed package', {skip: noTsc}, () => {
  const types = path.join(app, 'types');
  fs.cpSync(path.join(ROOT, 'test', 'types'), types, {recursive: true});
  const r = spawnSync(TSC, ['-p', types], {cwd: app, encoding: 'utf8'});
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
