'use strict';
// The SDK file itself: ES5 (it runs unbundled in every WeChat base library), its exports, its declarations,
// and the copy the example mini-program carries.
const {test} = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const acorn = require('acorn');

const SDK = path.join(__dirname, '..', 'parley-wx.js');

test('parley-wx.js parses as ES5 (no let/const, arrows, classes, template strings)', () => {
  const src = fs.readFileSync(SDK, 'utf8');
  assert.doesNotThrow(() => acorn.parse(src, {ecmaVersion: 5, sourceType: 'script'}));
});

test('it loads as a CommonJS module (mini-program require) and as a plain script (a global)', () => {
  const m = require(SDK);
  assert.equal(typeof m.ParleyEngine, 'function');
  assert.equal(m.ZegoExpressEngine, m.ParleyEngine, 'ZEGO\'s class name too, so that pages change only the import');
  const vm = require('node:vm');
  const ctx = {};
  vm.runInNewContext(fs.readFileSync(SDK, 'utf8'), ctx);
  assert.equal(typeof ctx.ParleyEngine, 'function');
});

test('the constructor checks its arguments like parley.js', () => {
  const {ParleyEngine} = require(SDK);
  assert.throws(() => new ParleyEngine(0, 'wss://x/ws'), (e) => e.code === 1100001);
  assert.throws(() => new ParleyEngine(1, 'https://x/ws'), (e) => e.code === 1100001);
  assert.throws(() => new ParleyEngine(1, 'wss://x/ws', {playTransport: 'hls'}), (e) => e.code === 1100001);
  const zg = new ParleyEngine(1, 'wss://x/ws', {wx: {}});
  assert.equal(zg.on('nope', () => {}), false);
  for (const ev of ParleyEngine.EVENTS) assert.equal(zg.on(ev, () => {}), true, ev);
});

test('the declarations name every public method and event', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'parley-wx.d.ts'), 'utf8');
  const {ParleyEngine} = require(SDK);
  const methods = Object.keys(ParleyEngine.prototype).filter((k) => !k.startsWith('_'));
  for (const m of methods) assert.match(dts, new RegExp('\\b' + m + '[<(]'), m);
  for (const ev of ParleyEngine.EVENTS) assert.match(dts, new RegExp('\\b' + ev + ': \\('), ev);
});

test('the example mini-program carries this very SDK (libs/parley-wx.js)', () => {
  const copy = path.join(__dirname, '..', '..', '..', 'examples', 'wechat-miniprogram', 'libs', 'parley-wx.js');
  assert.ok(fs.existsSync(copy), copy);
  assert.equal(fs.readFileSync(copy, 'utf8'), fs.readFileSync(SDK, 'utf8'), 'copy sdk/wechat/parley-wx.js to ' + copy);
});
