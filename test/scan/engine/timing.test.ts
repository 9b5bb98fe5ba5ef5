import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEarshotError } from '../../../src/errors.js';
import {
  ProbeWindow,
  parseDurationMs,
  RateLimiter,
  RttEstimator,
  resolveTiming,
} from '../../../src/scan/engine/timing.js';

describe('resolveTiming', () => {
  it('defaults to -T3 and applies overrides', () => {
    const timing = resolveTiming(3, { maxRetries: 5, maxRate: 100 });
    assert.equal(timing.maxRetries, 5);
    assert.equal(timing.maxRate, 100);
    assert.equal(timing.initialRttMs, 1000);
  });
  it('serialises T0–T2 with a scan delay and speeds up T4–T5', () => {
    for (const preset of [0, 1, 2] as const) {
      assert.equal(resolveTiming(preset).maxWindow, 1);
      assert.ok(resolveTiming(preset).scanDelayMs > 0);
    }
    assert.ok(resolveTiming(5).maxRttMs < resolveTiming(4).maxRttMs);
    assert.ok(resolveTiming(4).maxRttMs < resolveTiming(3).maxRttMs);
  });
  it('rejects a preset out of range and negative values with ERR_OPTION', () => {
    assert.throws(
      () => resolveTiming(7 as 3),
      (error) => isEarshotError(error, 'ERR_OPTION') && /-T7/.test(error.message),
    );
    assert.throws(
      () => resolveTiming(3, { maxRetries: -1 }),
      (error) => isEarshotError(error, 'ERR_OPTION') && /maxRetries/.test(error.message),
    );
  });
});

describe('parseDurationMs', () => {
  it('reads nmap-style durations', () => {
    assert.equal(parseDurationMs('500ms', 'x'), 500);
    assert.equal(parseDurationMs('30s', 'x'), 30_000);
    assert.equal(parseDurationMs('2.5', 'x'), 2500);
    assert.equal(parseDurationMs('5m', 'x'), 300_000);
    assert.equal(parseDurationMs('1h', 'x'), 3_600_000);
  });
  it('names the option and the fix on bad input', () => {
    assert.throws(
      () => parseDurationMs('soon', '--host-timeout'),
      (error) => isEarshotError(error, 'ERR_OPTION') && /--host-timeout "soon"/.test(error.message),
    );
  });
});

describe('RttEstimator', () => {
  it('starts at the initial RTT and follows srtt + 4·rttvar within the bounds', () => {
    const rtt = new RttEstimator(resolveTiming(3));
    assert.equal(rtt.timeoutMs(), 1000);
    rtt.sample(200);
    // srtt 200, rttvar 100 → 600.
    assert.equal(rtt.timeoutMs(), 600);
    for (let i = 0; i < 50; i++) rtt.sample(1);
    assert.equal(rtt.timeoutMs(), 100, 'clamped to minRtt');
    for (let i = 0; i < 50; i++) rtt.sample(60_000);
    assert.equal(rtt.timeoutMs(), 10_000, 'clamped to maxRtt');
  });
});

describe('ProbeWindow', () => {
  it('grows on answers, halves on loss, and never exceeds a resource ceiling', () => {
    const window = new ProbeWindow(resolveTiming(3, { initialWindow: 4, maxWindow: 100 }));
    assert.equal(window.size, 4);
    for (let i = 0; i < 10; i++) window.onAnswer();
    assert.equal(window.size, 14);
    window.onLoss();
    assert.equal(window.size, 7);
    window.onResourceLimit(5);
    assert.equal(window.size, 4);
    for (let i = 0; i < 12; i++) window.onAnswer();
    assert.ok(window.size <= 7, `the ceiling recovers slowly (${window.size})`);
    for (let i = 0; i < 10_000; i++) window.onAnswer();
    assert.equal(window.size, 100, 'and fully, given answers');
  });
});

describe('RateLimiter', () => {
  it('lets through at most rate × elapsed probes and says how long to wait', () => {
    const limiter = new RateLimiter(1000);
    assert.equal(limiter.delayMs(0), 0);
    assert.ok(limiter.delayMs(0) > 0);
    assert.equal(limiter.delayMs(1), 0);
    assert.equal(new RateLimiter(0).delayMs(0), 0);
  });
});
