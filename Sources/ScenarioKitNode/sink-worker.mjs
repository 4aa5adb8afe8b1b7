// The stream workload's consumer, on a worker thread (as Swift's sink runs on a NIO event-loop
// thread of the same process): a loopback TCP server that reads at `consumerRate` bytes/s (the
// settings' readerRate: consumer_rate, or consumer_share of the calibrated producer) by
// pausing the socket until the bytes read so far are paid for — so the kernel's receive buffer
// fills, TCP's window closes and the writer's side sees backpressure — and verifies every item.

import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { OrderedChecksum, hashItem, sequenceOf, timestampOf } from './codec.mjs';

const { items, itemBytes, consumerRate, shared, expected } = workerData;
const counters = new BigInt64Array(shared); // [in flight bytes, received items, received bytes]
const checksum = new OrderedChecksum();
const latenciesUs = new Float64Array(items);
const staging = Buffer.alloc(itemBytes);
let staged = 0;
let nextSequence = 0;
let outOfOrder = 0;
let receivedBytes = 0;
let finished = false;

function accept(buffer, offset) {
  const sequence = sequenceOf(buffer, offset);
  if (sequence !== nextSequence) outOfOrder += 1;
  nextSequence = sequence + 1;
  const stamp = timestampOf(buffer, offset);
  if (stamp !== 0n && checksum.count < latenciesUs.length) {
    const now = process.hrtime.bigint();
    latenciesUs[checksum.count] = now >= stamp ? Number(now - stamp) / 1000 : 0;
  }
  checksum.add(hashItem(buffer, offset, itemBytes));
}

function consume(chunk) {
  let offset = 0;
  let completed = 0;
  if (staged > 0) {
    const take = Math.min(itemBytes - staged, chunk.length);
    chunk.copy(staging, staged, 0, take);
    staged += take;
    offset = take;
    if (staged === itemBytes) {
      accept(staging, 0);
      staged = 0;
      completed += 1;
    }
  }
  while (chunk.length - offset >= itemBytes) {
    accept(chunk, offset);
    offset += itemBytes;
    completed += 1;
  }
  if (offset < chunk.length) {
    chunk.copy(staging, 0, offset);
    staged = chunk.length - offset;
  }
  return completed;
}

function finish(server) {
  if (finished) return;
  finished = true;
  const problems = [];
  if (checksum.count !== expected.count) problems.push(`received ${checksum.count} items, expected ${expected.count}`);
  if (checksum.hex !== expected.hex) problems.push(`checksum ${checksum.hex} differs from expected ${expected.hex}`);
  if (outOfOrder > 0) problems.push(`${outOfOrder} items arrived out of order`);
  if (staged > 0) problems.push(`${staged} trailing bytes do not form a whole item`);
  const report = {
    expectedItems: expected.count, receivedItems: checksum.count, expectedChecksum: expected.hex,
    receivedChecksum: checksum.hex, inOrder: outOfOrder === 0, problems,
  };
  const latencies = latenciesUs.slice(0, Math.min(checksum.count, latenciesUs.length));
  parentPort.postMessage({ report, latencies }, [latencies.buffer]);
  server.close();
}

const server = net.createServer((socket) => {
  // The descriptor, for the main thread to set SO_RCVBUF on (stream.mjs, socket_buffer).
  parentPort.postMessage({ acceptedFd: socket._handle.fd });
  const started = process.hrtime.bigint();
  socket.on('data', (chunk) => {
    const completed = consume(chunk);
    receivedBytes += chunk.length;
    Atomics.sub(counters, 0, BigInt(chunk.length));
    Atomics.add(counters, 1, BigInt(completed));
    Atomics.add(counters, 2, BigInt(completed * itemBytes));
    if (receivedBytes >= items * itemBytes) {
      finish(server);
      return;
    }
    if (consumerRate > 0) {
      // The next read is due when the bytes consumed so far, at the rate, are paid for.
      const dueNs = started + BigInt(Math.round((receivedBytes / consumerRate) * 1e9));
      const now = process.hrtime.bigint();
      if (dueNs > now + 200_000n) {
        socket.pause();
        setTimeout(() => socket.resume(), Number(dueNs - now) / 1e6);
      }
    }
  });
  socket.on('end', () => finish(server));
  socket.on('close', () => finish(server));
  socket.on('error', () => finish(server));
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
