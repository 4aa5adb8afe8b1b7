// The byte-stream workload of Scenarios/PROTOCOL.md ("The stream workload"), in Node: the cached
// input file → per-chunk transform (hash into the source digest, stamp) → loopback TCP → a
// reader paced at consumer_rate (or consumer_share of the producer's calibrated rate) that
// verifies every item. The Swift twins (ScenarioSupport's
// FileToSocket) run the same file, items, work and reader; scenarios differ only in `produce`.

import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { OrderedChecksum, expectedChecksum, fillItem, hashItem, stampItem } from './codec.mjs';

/** The producer's calibrated rate, bytes/s (capped at producer_rate); reported when consumer_share > 0. */
export const CALIBRATED_METRIC = 'producer_calibrated_bytes_per_s';
/** The rate the reader was paced to, bytes/s (0 = unthrottled); always reported. */
export const EFFECTIVE_METRIC = 'consumer_effective_bytes_per_s';
// The calibration reads at most this much input, or for at most this long (as Swift's ProducerCalibration).
const CALIBRATION_BYTES = 64 * 1024 * 1024;
const CALIBRATION_NS = 250_000_000n;

/** The settings every stream scenario shares, from the resolved parameters. */
export function streamSettings(context) {
  const p = context.parameters;
  return {
    items: p.items, itemBytes: p.item_bytes, consumerRate: p.consumer_rate, producerRate: p.producer_rate ?? 0,
    consumerShare: p.consumer_share ?? 0,
    highWaterMark: p.high_water_mark, totalBytes: p.items * p.item_bytes, socketBuffer: p.socket_buffer ?? 0,
    // Whole items per read (a chunk that split an item would need staging at the producer).
    readBytes: Math.max(p.item_bytes, Math.floor((p.read_bytes ?? p.item_bytes) / p.item_bytes) * p.item_bytes),
    /**
     * The rate the reader is paced to (0 = unthrottled): consumer_share × the producer's rate as
     * prepareStream calibrated it (at least 1 B/s, so a tiny share never means "unthrottled"),
     * else consumer_rate. A share fixes the producer/consumer ratio the scenarios are about on
     * every machine; an absolute rate leaves it to the machine's producer.
     */
    get readerRate() {
      if (!(this.consumerShare > 0)) return this.consumerRate;
      const producer = context.metrics[CALIBRATED_METRIC];
      if (producer === undefined) throw new Error('consumer_share > 0 needs the producer calibration: call prepareStream before runStream');
      return Math.max(1, Math.round(this.consumerShare * producer));
    },
  };
}

// Node's net API has no SO_SNDBUF/SO_RCVBUF, but libuv's uv_send_buffer_size/uv_recv_buffer_size
// (exposed only on dgram's UDP handle) are a setsockopt on any socket descriptor. A UDP handle
// opened on a TCP socket's descriptor sets the same option the Swift twins set through NIO.
// The descriptor must not be in the calling thread's event loop yet (libuv refuses a second
// watcher: EEXIST), so the producer's socket is set on a bound, unconnected TCP handle, and the
// reader's accepted socket (the worker's loop) from the main thread. The UDP handles are kept
// and never closed: closing one would close the TCP socket's descriptor.
const socketOptionHandles = [];

/** Sets SO_SNDBUF (or SO_RCVBUF) of descriptor `fd` to `bytes`; returns what the kernel granted (it doubles the request). */
function setSocketBuffer(fd, bytes, receive) {
  const { UDP } = process.binding('udp_wrap');
  const handle = new UDP();
  const error = handle.open(fd);
  if (error !== 0) throw new Error(`socket_buffer: cannot reach descriptor ${fd} (libuv error ${error})`);
  socketOptionHandles.push(handle);
  const context = {};
  const option = receive ? 'SO_RCVBUF' : 'SO_SNDBUF';
  if (handle.bufferSize(bytes, receive, context) === undefined) throw new Error(`socket_buffer: setting ${option}: ${context.code ?? 'failed'}`);
  const granted = handle.bufferSize(0, receive, context);
  if (granted === undefined) throw new Error(`socket_buffer: reading ${option}: ${context.code ?? 'failed'}`);
  return granted;
}

/** The producer's socket: with socket_buffer > 0 its SO_SNDBUF is set before it connects (as NIO's ClientBootstrap does). */
function producerSocket(settings, context) {
  if (!(settings.socketBuffer > 0)) return new net.Socket({ writableHighWaterMark: settings.highWaterMark });
  const { TCP, constants } = process.binding('tcp_wrap');
  const handle = new TCP(constants.SOCKET);
  const error = handle.bind('127.0.0.1', 0);
  if (error !== 0) throw new Error(`socket_buffer: binding the producer's socket failed (libuv error ${error})`);
  context.set('socket_sndbuf_bytes', setSocketBuffer(handle.fd, settings.socketBuffer, false));
  // manualStart: a socket made from a handle starts reading at once, before it is connected (ENOTCONN).
  return new net.Socket({ handle, manualStart: true, writableHighWaterMark: settings.highWaterMark });
}

/** The producer's per-chunk work: each whole item hashed into `digest`, then stamped. */
function transformChunk(chunk, itemBytes, digest) {
  for (let offset = 0; offset + itemBytes <= chunk.length; offset += itemBytes) {
    digest.add(hashItem(chunk, offset, itemBytes));
    stampItem(chunk, offset);
  }
}

/**
 * Bytes/s of the producer's own work — the input read by a read stream of the same chunk size,
 * each chunk through transformChunk — over the first min(input, 64 MiB) or 0.25 s, whichever
 * ends first. Untimed (prepare): the socket behind the producer, where the strategies differ,
 * is not part of it.
 */
export async function calibrateProducer(settings, path) {
  const budget = Math.max(1, Math.floor(Math.min(settings.totalBytes, CALIBRATION_BYTES) / settings.itemBytes)) * settings.itemBytes;
  const digest = new OrderedChecksum();
  let bytes = 0;
  const started = process.hrtime.bigint();
  for await (const chunk of fs.createReadStream(path, { highWaterMark: settings.readBytes, end: budget - 1 })) {
    transformChunk(chunk, settings.itemBytes, digest);
    bytes += chunk.length;
    if (process.hrtime.bigint() - started >= CALIBRATION_NS) break; // leaving the loop destroys the stream
  }
  const seconds = Math.max(1, Number(process.hrtime.bigint() - started)) / 1e9;
  const measured = Math.max(1, Math.round(bytes / seconds));
  return { rate: settings.producerRate > 0 ? Math.min(measured, settings.producerRate) : measured, bytes, seconds, digest: digest.hex };
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

/**
 * Untimed preparation: the input file, the expected checksum and the reader's pace — with
 * consumer_share > 0 the producer is calibrated first (no cost otherwise).
 */
export async function prepareStream(context) {
  const settings = streamSettings(context);
  const path = ensureInputFile(settings, context.cacheDirectory);
  ensureExpectedChecksum(settings, context.cacheDirectory);
  if (settings.consumerShare > 0) {
    const calibration = await calibrateProducer(settings, path);
    context.set(CALIBRATED_METRIC, calibration.rate);
    process.stderr.write(`calibration: producer ${calibration.rate} B/s over ${calibration.bytes} B in ${calibration.seconds} s (digest ${calibration.digest})\n`);
  }
  context.set(EFFECTIVE_METRIC, settings.readerRate);
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
    workerData: { items: settings.items, itemBytes: settings.itemBytes, consumerRate: settings.readerRate, shared, expected },
  });
  const [{ port }] = await once(worker, 'message');
  const accepted = once(worker, 'message');
  const socket = producerSocket(settings, context);
  socket.setNoDelay(true);
  socket.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  // The reader's socket, accepted on the worker: its SO_RCVBUF is set here before a byte is sent
  // (after accept, as NIO's childChannelOption does for the Swift twins' sink).
  const [{ acceptedFd }] = await accepted;
  if (settings.socketBuffer > 0) context.set('socket_rcvbuf_bytes', setSocketBuffer(acceptedFd, settings.socketBuffer, true));
  const done = once(worker, 'message');
  context.progress = () => ({ items: Number(Atomics.load(counters, 1)), bytes: Number(Atomics.load(counters, 2)) });
  context.gauge('in_flight_bytes', () => Number(Atomics.load(counters, 0)));
  context.gauge('buffered_bytes', () => socket.writableLength);

  const started = process.hrtime.bigint();
  const digest = new OrderedChecksum();
  let paced = 0;
  const work = (chunk) => {
    transformChunk(chunk, settings.itemBytes, digest);
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
