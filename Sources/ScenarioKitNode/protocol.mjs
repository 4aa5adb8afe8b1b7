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

/**
 * The heap figures Node has, in the protocol's counter slots (PROTOCOL.md, "Other runtimes").
 *
 * V8's `heapUsed + external` between collections counts garbage too: the collector lets it climb
 * with the data that has passed until its own limits are reached, so a bounded stream's figure
 * rose 19 → 25 MiB from 47 to 188 MiB of input (+26 %, judged grows-with-input) while a Swift
 * twin's jemalloc figure, freed as it goes, stayed flat. `allocated` is therefore the LIVE heap:
 * `heapUsed + arrayBuffers` read right after a forced full collection (`gc()`, from --expose-gc;
 * why arrayBuffers and not external: readCounters).
 * Live data can only exceed the peak seen so far when the lazy figure does (lazy ≥ live), so a
 * collection is forced only when the lazy figure passes the live peak by LIVE_MARGIN, and at most
 * every LIVE_GC_MIN_INTERVAL_MS (backing off to LIVE_GC_MAX_INTERVAL_MS while collections find no
 * new peak): the peak is exact up to that margin and that cadence, and the cost is bounded by the
 * cadence (measured in Scenarios/node-pipeline/README.md). `live_heap=false`
 * restores the lazy figure (for measuring that cost, and to see the GC's policy).
 */
export const ALLOCATOR_LIVE = 'v8: allocated = live heap after forced GC (heapUsed + arrayBuffers right after gc(), re-measured when the lazy figure passes the live peak by 1/8, every 100 ms at most, backing off to 1 s while no new peak is found), active = heapTotal + external (lazy), resident = rss';
export const ALLOCATOR_LAZY = 'v8: allocated = heapUsed + external (lazy: garbage included until V8 collects), active = heapTotal + external, resident = rss';
/** Kept for callers of the old name: the figure a run reports by default. */
export const ALLOCATOR = ALLOCATOR_LIVE;
const LIVE_MARGIN = 1 / 8;
// The cadence backs off while collections find nothing new: a bounded stream's lazy figure passes
// any margin within milliseconds (its garbage is the stream itself), and a full collection cost
// ~4–10 ms here, so a fixed 100 ms would take ~5–10 % of an unthrottled run; a growing heap keeps
// finding new peaks and keeps the 100 ms cadence, where precision matters.
const LIVE_GC_MIN_INTERVAL_MS = 100;
const LIVE_GC_MAX_INTERVAL_MS = 1000;

/**
 * The full collector as a function: --expose-gc's global, or (a program started by hand without
 * the flag) the same function obtained by setting the flag at run time. Array buffers are then
 * swept inside the collection, not on a background thread after it: with concurrent sweeping the
 * reading right after gc() still held 0–3.9 MiB of freed Buffers, depending on how far the
 * sweeper had got (node-pipeline unthrottled, 12,000 items); without it, 0.0–0.1 MiB every time.
 */
async function forcedCollector() {
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}

/**
 * The counters now. `live` (a collector is in use) counts `arrayBuffers` — bytes Node's
 * ArrayBuffer allocator holds, Buffers included, exact as soon as a collection frees them —
 * rather than `external`: V8 lowers its external counter for freed backing stores only later,
 * so right after gc() `external` still held 14 MiB of freed chunks that a second gc() took off
 * (node-pipeline unthrottled, 1.8 → 16.2 MiB over a run; heapUsed + arrayBuffers 3.5 → 3.9 MiB).
 * Leaving `external`'s rest out drops ~1–2 MiB of runtime constants (compiled code, wasm).
 */
function readCounters(live = false) {
  const usage = process.memoryUsage();
  return {
    allocated: usage.heapUsed + (live ? usage.arrayBuffers : usage.external),
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
 * window's maxima every timeline interval, and keeps the run's peaks. With a collector (`gc`),
 * `allocated` is the live heap (see ALLOCATOR_LIVE): each tick's figure is the reading right
 * after a forced collection when the tick forced one, else min(lazy now, last live reading) —
 * both upper bounds of what is live that never exceed the live peak — so the run's peak is the
 * largest post-collection reading.
 */
class MemorySampler {
  constructor(context, channel, intervalMs, timelineIntervalMs, gc) {
    this.context = context;
    this.channel = channel;
    this.intervalMs = intervalMs;
    this.timelineIntervalMs = timelineIntervalMs;
    this.gc = gc;
    this.peaks = { allocated: 0, active: 0, resident: 0, mapped: 0, retained: 0 };
    this.window = { ...this.peaks };
    this.ticks = 0;
    this.tickNs = 0n;
    this.lastLive = undefined;
    this.lastGcNs = 0n;
    this.gcIntervalNs = BigInt(LIVE_GC_MIN_INTERVAL_MS * 1e6);
    this.forcedGcs = 0;
    this.forcedGcNs = 0n;
  }

  /** A forced full collection, then the counters: `allocated` is what survived it. */
  collect(now) {
    this.gc();
    const after = process.hrtime.bigint();
    this.forcedGcs += 1;
    this.forcedGcNs += after - now;
    this.lastGcNs = after;
    const counters = readCounters(true);
    this.lastLive = counters.allocated;
    // A new peak by the margin, not a creep of a few KiB (the runtime's own objects settling,
    // which reset the cadence 5–12 times a second in a bounded run before this rule).
    const newPeak = counters.allocated > this.peaks.allocated * (1 + LIVE_MARGIN);
    const interval = newPeak ? LIVE_GC_MIN_INTERVAL_MS : Math.min(LIVE_GC_MAX_INTERVAL_MS, 2 * Number(this.gcIntervalNs) / 1e6);
    this.gcIntervalNs = BigInt(Math.round(interval * 1e6));
    return counters;
  }

  /** This tick's counters, `allocated` live when a collector is set. */
  read(now) {
    const counters = readCounters(this.gc !== undefined);
    if (!this.gc) return counters;
    const due = this.lastLive === undefined
      || (counters.allocated > this.peaks.allocated * (1 + LIVE_MARGIN) && now - this.lastGcNs >= this.gcIntervalNs);
    if (due) {
      const live = this.collect(now);
      live.active = Math.max(live.active, counters.active); // active stays the lazy figure's maximum
      live.resident = Math.max(live.resident, counters.resident);
      return live;
    }
    counters.allocated = Math.min(counters.allocated, this.lastLive);
    return counters;
  }

  start() {
    this.startedNs = process.hrtime.bigint();
    this.nextSampleMs = this.timelineIntervalMs;
    this.tick();
    if (this.intervalMs > 0) this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  tick() {
    const before = process.hrtime.bigint();
    const counters = this.read(before);
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

  /** What is allocated once the run is over: live (after a collection, outside the timed part) when a collector is set. */
  finalAllocated() {
    return this.gc ? this.collect(process.hrtime.bigint()).allocated : readCounters().allocated;
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
  // The live figure only where the manifest declares live_heap (the stream scenarios, default
  // on): forced collections cost time, which a scenario that never asked for them must not pay.
  const gc = resolved.values.live_heap === true ? await forcedCollector() : undefined;
  if (channel.toHarness) {
    channel.send({ type: 'hello', scenario: name, pid: process.pid, sampleIntervalMs: options.sampleIntervalMs,
      runtime: `node ${process.version}`, allocator: gc ? ALLOCATOR_LIVE : ALLOCATOR_LAZY });
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
  const sampler = new MemorySampler(context, channel, options.sampleIntervalMs, options.timelineIntervalMs, gc);
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
  if (gc) {
    // What the live figure cost inside the timed run: the collections it forced, and their time.
    context.set('forced_gcs', sampler.forcedGcs);
    context.set('forced_gc_s', Number(sampler.forcedGcNs) / 1e9);
  }
  const finalAllocated = sampler.finalAllocated();
  const gaugeMaxima = {};
  for (const [gaugeName, gauge] of Object.entries(context.gauges)) gaugeMaxima[gaugeName] = gauge.max;
  const { items, bytes } = context.progress();
  const result = {
    type: 'result', status, message, items, bytes, durationS,
    latency: latencySummary(context.latenciesUs), peaks: sampler.peaks, finalAllocated,
    gaugeMaxima, metrics: context.metrics, verification, samplerTicks: sampler.ticks,
    samplerTickUs: sampler.ticks > 0 ? Number(sampler.tickNs) / sampler.ticks / 1000 : 0,
  };
  if (!channel.toHarness) result.parameters = resolved.text;
  channel.send(result);
  process.exit(status === 'ok' ? 0 : status === 'failed-verification' ? 1 : 70);
}
