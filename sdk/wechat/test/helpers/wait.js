'use strict';
// Waiting for conditions with a deadline (never a fixed pause): polls every few milliseconds.

const POLL_MS = 20;

/** Resolves when fn() (sync or async) returns a truthy value; rejects naming `what` after timeoutMs. */
async function until(what, timeoutMs, fn) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e && e.fatal) throw e;
      lastError = e;
      if (e && /exited with/.test(e.message)) throw e;
    }
    if (Date.now() > deadline) {
      throw new Error('timed out after ' + timeoutMs + ' ms waiting for ' + what + (lastError ? ' (last error: ' + lastError.message + ')' : ''));
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Records every event of an engine, in order, as {event, args}. */
function recorder(zg, events) {
  const log = [];
  for (const ev of events) zg.on(ev, (...args) => log.push({event: ev, args}));
  log.find = function (event, pred) {
    return Array.prototype.find.call(this, (x) => x.event === event && (!pred || pred(...x.args)));
  };
  log.all = function (event, pred) {
    return Array.prototype.filter.call(this, (x) => x.event === event && (!pred || pred(...x.args)));
  };
  log.waitFor = function (event, pred, timeoutMs) {
    return until(event + (pred ? ' matching ' + pred.toString().slice(0, 120) : ''), timeoutMs || 10000, () => this.find(event, pred));
  };
  return log;
}

module.exports = {until, recorder};
