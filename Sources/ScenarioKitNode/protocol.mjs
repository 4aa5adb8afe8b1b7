// The child side of the harness's result protocol (Scenarios/PROTOCOL.md) for Node programs:
// the command line the harness passes, the fd-3 JSON lines (hello, sample, result), and the
// memory sampler. A scenario calls runScenario(spec, { prepare, run }) and returns a
// verification report from run; everything else is here.

import fs from 'node:fs';
import os from 'node:os';
import { parseValue } from './values.mjs';

export const PROTOCOL_VERSION = 2;

/** The harness's arguments: --parameters JSON (or --param k=v by hand), intervals, folders. */
export function parseArguments(argv) {
  const options = {
    parameters: null, overrides: {}, sampleIntervalMs: 1, timelineIntervalMs: 10,
    cacheDirectory: process.env.BPBENCH_CACHE_DIR ?? `${os.tmpdir()}/bpbench-cache`, workDirectory: null, profile: 'standard',
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = () => {
      if (index + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++index];
    };
    switch (flag) {
      case '--parameters': options.parameters = JSON.parse(value()); break;
      case '--param': case '-p': {
        const pair = value();
        const equals = pair.indexOf('=');
        if (equals <= 0) throw new Error(`parameters are key=value, got '${pair}'`);
        options.overrides[pair.slice(0, equals)] = pair.slice(equals + 1);
        break;
      }
      case '--profile': options.profile = value(); break;
      case '--sample-interval-ms': options.sampleIntervalMs = Number(value()); break;
      case '--timeline-interval-ms': options.timelineIntervalMs = Number(value()); break;
      case '--cache-dir': options.cacheDirectory = value(); break;
      case '--work-dir': options.workDirectory = value(); break;
      default: throw new Error(`unknown option '${flag}'`);
    }
  }
  return options;
}

/** Resolves parameters from the manifest's specs: the harness's set as given, else defaults + overrides. */
export function resolveParameters(specs, options) {
  const text = {};
  for (const spec of specs) {
    text[spec.name] = options.parameters?.[spec.name] ?? options.overrides[spec.name] ?? spec.profileDefaults?.[options.profile] ?? spec.defaultValue;
  }
  const values = {};
  for (const spec of specs) values[spec.name] = parseValue(spec.kind, text[spec.name], spec.name);
  return { text, values };
}

/** Where the JSON lines go: fd 3 under the harness (BPBENCH_RESULT_FD), else stdout. */
class ResultChannel {
  constructor() {
    const fd = Number(process.env.BPBENCH_RESULT_FD);
    this.toHarness = Number.isInteger(fd) && fd > 2;
    this.fd = this.toHarness ? fd : 1;
  }

  send(message) {
    fs.writeSync(this.fd, JSON.stringify(message) + '\n');
  }
}

/**
 * What the scenario reports as it runs: progress, gauges (each gauge's maximum is kept between
 * samples and over the run), metrics, latencies.
 */
export class Context {
  constructor(values, options) {
    this.parameters = values;
    this.cacheDirectory = options.cacheDirectory;
    this.workDirectory = options.workDirectory ?? os.tmpdir();
    this.items = 0;
    this.bytes = 0;
    this.metrics = {};
    this.gauges = {};
    this.latenciesUs = [];
  }

  addProgress(items, bytes) {
    this.items += items;
    this.bytes += bytes;
  }

  /** Items and bytes delivered so far (a scenario whose consumer runs elsewhere overrides it). */
  progress() {
    return { items: this.items, bytes: this.bytes };
  }

  /** Registers a gauge read at every sample (a function returning its current value). */
  gauge(name, read) {
    this.gauges[name] = { read, max: 0, windowMax: 0 };
  }

  set(metric, value) {
    this.metrics[metric] = value;
  }
}

/** The heap figures Node has, in the protocol's counter slots (PROTOCOL.md, "Other runtimes"). */
export const ALLOCATOR = 'v8: allocated = heapUsed + external, active = heapTotal + external, resident = rss';

function readCounters() {
  const usage = process.memoryUsage();
  return {
    allocated: usage.heapUsed + usage.external,
    active: usage.heapTotal + usage.external,
    resident: usage.rss,
    mapped: 0,
    retained: 0,
  };
}

function maxCounters(into, other) {
  for (const key of Object.keys(other)) into[key] = Math.max(into[key] ?? 0, other[key]);
}

/**
 * Samples process.memoryUsage() and the gauges every interval on the main thread, sends the
 * window's maxima every timeline interval, and keeps the run's peaks.
 */
class MemorySampler {
  constructor(context, channel, intervalMs, timelineIntervalMs) {
    this.context = context;
    this.channel = channel;
    this.intervalMs = intervalMs;
    this.timelineIntervalMs = timelineIntervalMs;
    this.peaks = { allocated: 0, active: 0, resident: 0, mapped: 0, retained: 0 };
    this.window = { ...this.peaks };
    this.ticks = 0;
    this.tickNs = 0n;
  }

  start() {
    this.startedNs = process.hrtime.bigint();
    this.nextSampleMs = this.timelineIntervalMs;
    this.tick();
    if (this.intervalMs > 0) this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  tick() {
    const before = process.hrtime.bigint();
    const counters = readCounters();
    maxCounters(this.peaks, counters);
    maxCounters(this.window, counters);
    for (const gauge of Object.values(this.context.gauges)) {
      const value = gauge.read();
      gauge.max = Math.max(gauge.max, value);
      gauge.windowMax = Math.max(gauge.windowMax, value);
    }
    const tMs = Number(before - this.startedNs) / 1e6;
    if (this.channel.toHarness && tMs >= this.nextSampleMs) {
      const gauges = {};
      for (const [name, gauge] of Object.entries(this.context.gauges)) {
        gauges[name] = gauge.windowMax;
        gauge.windowMax = 0;
      }
      const { items, bytes } = this.context.progress();
      this.channel.send({ type: 'sample', tMs, counters: this.window, items, bytes, gauges });
      this.window = { allocated: 0, active: 0, resident: 0, mapped: 0, retained: 0 };
      while (this.nextSampleMs <= tMs) this.nextSampleMs += this.timelineIntervalMs;
    }
    this.ticks += 1;
    this.tickNs += process.hrtime.bigint() - before;
  }

  stop() {
    clearInterval(this.timer);
    this.tick();
  }
}

function latencySummary(latenciesUs) {
  if (latenciesUs.length === 0) return undefined;
  const sorted = Float64Array.from(latenciesUs).sort();
  const at = (fraction) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return { count: sorted.length, p50Us: at(0.5), p90Us: at(0.9), p99Us: at(0.99), maxUs: sorted[sorted.length - 1] };
}

/**
 * Runs a scenario under the protocol: hello, prepare (untimed), run (timed, sampled), result.
 * Exit codes as Swift scenarios: 0 ok, 1 failed verification, 64 bad usage, 70 error.
 */
export async function runScenario(manifestURL, { prepare, run }) {
  const manifest = JSON.parse(fs.readFileSync(manifestURL, 'utf8'));
  const name = manifest.name ?? new URL('.', manifestURL).pathname.split('/').filter(Boolean).pop();
  const specs = manifest.parameters ?? [];
  let options;
  let resolved;
  try {
    options = parseArguments(process.argv.slice(2));
    resolved = resolveParameters(specs, options);
  } catch (error) {
    process.stderr.write(`error: ${name}: ${error.message}\n`);
    process.exit(64);
  }
  const channel = new ResultChannel();
  const context = new Context(resolved.values, options);
  if (channel.toHarness) {
    channel.send({ type: 'hello', scenario: name, pid: process.pid, sampleIntervalMs: options.sampleIntervalMs,
      runtime: `node ${process.version}`, allocator: ALLOCATOR });
  }
  let status = 'ok';
  let message;
  let verification;
  try {
    await prepare?.(context);
  } catch (error) {
    status = 'error';
    message = `prepare failed: ${error.message}`;
  }
  const sampler = new MemorySampler(context, channel, options.sampleIntervalMs, options.timelineIntervalMs);
  const started = process.hrtime.bigint();
  if (status === 'ok') {
    sampler.start();
    try {
      verification = await run(context);
      if (verification.problems.length > 0) {
        status = 'failed-verification';
        message = verification.problems.join('; ');
      }
    } catch (error) {
      status = 'error';
      message = String(error?.stack ?? error);
    }
    sampler.stop();
  }
  const durationS = Number(process.hrtime.bigint() - started) / 1e9;
  const gaugeMaxima = {};
  for (const [gaugeName, gauge] of Object.entries(context.gauges)) gaugeMaxima[gaugeName] = gauge.max;
  const { items, bytes } = context.progress();
  const result = {
    type: 'result', status, message, items, bytes, durationS,
    latency: latencySummary(context.latenciesUs), peaks: sampler.peaks, finalAllocated: readCounters().allocated,
    gaugeMaxima, metrics: context.metrics, verification, samplerTicks: sampler.ticks,
    samplerTickUs: sampler.ticks > 0 ? Number(sampler.tickNs) / sampler.ticks / 1000 : 0,
  };
  if (!channel.toHarness) result.parameters = resolved.text;
  channel.send(result);
  process.exit(status === 'ok' ? 0 : status === 'failed-verification' ? 1 : 70);
}
