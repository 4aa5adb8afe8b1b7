// The byte-stream workload of Scenarios/PROTOCOL.md ("The stream workload"), in Node: the cached
// input file → per-chunk transform (hash into the source digest, stamp) → loopback TCP → a
// reader paced at consumer_rate that verifies every item. The Swift twins (ScenarioSupport's
// FileToSocket) run the same file, items, work and reader; scenarios differ only in `produce`.

import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { OrderedChecksum, expectedChecksum, fillItem, hashItem, stampItem } from './codec.mjs';

/** The settings every stream scenario shares, from the resolved parameters. */
export function streamSettings(context) {
  const p = context.parameters;
  return {
    items: p.items, itemBytes: p.item_bytes, consumerRate: p.consumer_rate, producerRate: p.producer_rate ?? 0,
    highWaterMark: p.high_water_mark, totalBytes: p.items * p.item_bytes,
    // Whole items per read (a chunk that split an item would need staging at the producer).
    readBytes: Math.max(p.item_bytes, Math.floor((p.read_bytes ?? p.item_bytes) / p.item_bytes) * p.item_bytes),
  };
}

/** The input file for items × itemBytes, generated once into the cache folder (same name and bytes as Swift's). */
export function ensureInputFile(settings, directory) {
  const path = `${directory}/items-${settings.items}x${settings.itemBytes}.bin`;
  try {
    if (fs.statSync(path).size === settings.totalBytes) return path;
  } catch { /* missing: generate it */ }
  fs.mkdirSync(directory, { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = fs.openSync(temporary, 'w');
  const perBlock = Math.max(1, Math.floor((1 << 20) / settings.itemBytes));
  const block = Buffer.alloc(perBlock * settings.itemBytes);
  for (let sequence = 0; sequence < settings.items; sequence += perBlock) {
    const count = Math.min(perBlock, settings.items - sequence);
    for (let index = 0; index < count; index++) fillItem(block, index * settings.itemBytes, sequence + index, settings.itemBytes);
    fs.writeSync(fd, block, 0, count * settings.itemBytes);
  }
  fs.closeSync(fd);
  fs.renameSync(temporary, path);
  return path;
}

/**
 * The checksum the reader must reach, computed from the pattern (never from the file or what was
 * sent); cached beside the input file once computed (a pure function of items and item size).
 */
export function ensureExpectedChecksum(settings, directory) {
  const path = `${directory}/items-${settings.items}x${settings.itemBytes}.expected.json`;
  try {
    const cached = JSON.parse(fs.readFileSync(path, 'utf8'));
    if (cached.count === settings.items && /^[0-9a-f]{16}$/.test(cached.hex)) return cached;
  } catch { /* missing or unreadable: compute it */ }
  const value = expectedChecksum(settings.items, settings.itemBytes);
  const temporary = `${path}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, JSON.stringify(value));
  fs.renameSync(temporary, path);
  return value;
}

/** Untimed preparation: the input file and the expected checksum. */
export function prepareStream(context) {
  const settings = streamSettings(context);
  ensureInputFile(settings, context.cacheDirectory);
  ensureExpectedChecksum(settings, context.cacheDirectory);
}

/**
 * Runs one transfer: starts the reader, connects, lets `produce({ source, work, socket, … })`
 * send every chunk (calling `work(chunk)` on each), and returns the reader's verification,
 * checked once more against the digest of what left the disk.
 */
export async function runStream(context, produce) {
  const settings = streamSettings(context);
  const path = ensureInputFile(settings, context.cacheDirectory);
  const expected = ensureExpectedChecksum(settings, context.cacheDirectory);
  const shared = new SharedArrayBuffer(3 * 8);
  const counters = new BigInt64Array(shared); // [in flight bytes, received items, received bytes]
  const worker = new Worker(new URL('./sink-worker.mjs', import.meta.url), {
    workerData: { items: settings.items, itemBytes: settings.itemBytes, consumerRate: settings.consumerRate, shared, expected },
  });
  const [{ port }] = await once(worker, 'message');
  const done = once(worker, 'message');
  const socket = new net.Socket({ writableHighWaterMark: settings.highWaterMark });
  socket.setNoDelay(true);
  socket.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  context.progress = () => ({ items: Number(Atomics.load(counters, 1)), bytes: Number(Atomics.load(counters, 2)) });
  context.gauge('in_flight_bytes', () => Number(Atomics.load(counters, 0)));
  context.gauge('buffered_bytes', () => socket.writableLength);

  const started = process.hrtime.bigint();
  const digest = new OrderedChecksum();
  let paced = 0;
  const work = (chunk) => {
    for (let offset = 0; offset + settings.itemBytes <= chunk.length; offset += settings.itemBytes) {
      digest.add(hashItem(chunk, offset, settings.itemBytes));
      stampItem(chunk, offset);
    }
    Atomics.add(counters, 0, BigInt(chunk.length));
    paced += chunk.length;
  };
  // producer_rate: how long the producer must wait before its next chunk (0 = none).
  const paceDelayMs = () => {
    if (settings.producerRate <= 0) return 0;
    const dueNs = started + BigInt(Math.round((paced / settings.producerRate) * 1e9));
    const now = process.hrtime.bigint();
    return dueNs > now + 200_000n ? Number(dueNs - now) / 1e6 : 0;
  };
  const source = fs.createReadStream(path, { highWaterMark: settings.readBytes });
  source.on('end', () => context.set('producer_done_s', Number(process.hrtime.bigint() - started) / 1e9));
  await produce({ source, work, paceDelayMs, socket, settings, context });
  const [{ report, latencies }] = await done;
  socket.destroy();
  await worker.terminate();
  context.latenciesUs = latencies;
  context.set('source_items', digest.count);
  if (digest.hex !== report.receivedChecksum || digest.count !== report.receivedItems) {
    report.problems.push(`the sink's checksum ${report.receivedChecksum} differs from the source's ${digest.hex}`);
  }
  return report;
}
