'use strict';
// The TypeScript declarations against typed usage (test/types): `tsc --noEmit` must pass, and each misuse marked
// @ts-expect-error must be refused. Needs tsc (Debian: node-typescript); skipped without it unless
// PARLEY_TSC_TESTS_REQUIRED=true (as in CI).
const {test} = require('node:test');
const assert = require('node:assert/strict');
const {spawnSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const TSC = process.env.PARLEY_TSC || 'tsc';
const found = spawnSync(TSC, ['--version'], {encoding: 'utf8'});
const missing = found.error ? TSC + ' not found (apt-get install node-typescript, or set PARLEY_TSC)' : null;
if (missing && process.env.PARLEY_TSC_TESTS_REQUIRED === 'true') {
  throw new Error(missing + ', and PARLEY_TSC_TESTS_REQUIRED=true');
}

function tsc(project) {
  return spawnSync(TSC, ['-p', project], {cwd: ROOT, encoding: 'utf8'});
}

test('tsc accepts the typed usage of the package (CommonJS and ES module consumers)', {skip: missing || false}, () => {
  const r = tsc(path.join('test', 'types'));
  assert.equal(r.status, 0, found.stdout + r.stdout + r.stderr);
});

test('tsc refuses the usage when the declarations lose a call', {skip: missing || false}, () => {
  // The same usage against a copy of the package whose parley.d.ts lacks startPlayingUrl: proves the check has teeth.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-types-'));
  try {
    for (const f of ['package.json', 'parley.d.ts']) fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
    fs.cpSync(path.join(ROOT, 'dist'), path.join(copy, 'dist'), {recursive: true});
    fs.cpSync(path.join(ROOT, 'test', 'types'), path.join(copy, 'types'), {recursive: true});
    const dts = path.join(copy, 'parley.d.ts');
    const text = fs.readFileSync(dts, 'utf8');
    const cut = text.replace(/^ {2}startPlayingUrl\(.*\n/m, '');
    assert.notEqual(cut, text);
    fs.writeFileSync(dts, cut);
    const r = spawnSync(TSC, ['-p', 'types'], {cwd: copy, encoding: 'utf8'});
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /Property 'startPlayingUrl' does not exist/);
  } finally {
    fs.rmSync(copy, {recursive: true, force: true});
  }
});
