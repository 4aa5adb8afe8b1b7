// The item format and checksums of Scenarios/PROTOCOL.md ("Items") for Node: the same bytes and
// the same 64-bit hashes as ScenarioKit's ItemCodec and Checksum, so a Node stream verifies
// against exactly what a Swift one does. The arithmetic lives in codec.wat (WebAssembly, native
// i64); this file moves items in and out of its memory.

import { CODEC_WASM } from './codec.wasm.mjs';

export const HEADER_BYTES = 16;
const TIMESTAMP_OFFSET = 8;

const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(CODEC_WASM, 'base64')), {});
const { memory, hash, fill, checksumAdd, expected } = instance.exports;
let memoryBytes = new Uint8Array(memory.buffer);

/** Makes the module's memory hold at least `bytes` (items are staged at address 0). */
function reserve(bytes) {
  if (memory.buffer.byteLength < bytes) {
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
    memoryBytes = new Uint8Array(memory.buffer);
  }
}

/** Writes item `sequence` into `buffer[offset ..< offset + itemBytes]`. */
export function fillItem(buffer, offset, sequence, itemBytes) {
  reserve(itemBytes);
  fill(0, BigInt(sequence), itemBytes);
  buffer.set(memoryBytes.subarray(0, itemBytes), offset);
}

/** Stamps the item at `offset` with the monotonic clock (CLOCK_MONOTONIC, as Swift's). */
export function stampItem(buffer, offset) {
  buffer.writeBigUInt64LE(process.hrtime.bigint(), offset + TIMESTAMP_OFFSET);
}

export function sequenceOf(buffer, offset) {
  return buffer.readUInt32LE(offset) + buffer.readUInt32LE(offset + 4) * 4294967296;
}

export function timestampOf(buffer, offset) {
  return buffer.readBigUInt64LE(offset + TIMESTAMP_OFFSET);
}

/** The item's hash (every byte but the timestamp slot), as a BigInt (signed, as wasm returns it). */
export function hashItem(buffer, offset, itemBytes) {
  reserve(itemBytes);
  memoryBytes.set(buffer.subarray(offset, offset + itemBytes), 0);
  return hash(0, itemBytes);
}

/** Hex of a 64-bit value, as Swift's Checksum.hex prints it. */
function hex64(value) {
  return BigInt.asUintN(64, value).toString(16).padStart(16, '0');
}

/** A running order-sensitive checksum over item hashes (ScenarioKit's Checksum(ordered: true)). */
export class OrderedChecksum {
  constructor() {
    this.value = 0n;
    this.count = 0;
  }

  add(itemHash) {
    this.value = checksumAdd(this.value, itemHash);
    this.count += 1;
  }

  get hex() {
    return hex64(this.value);
  }
}

/** The checksum a consumer must reach after items 0..<items, computed from the pattern itself. */
export function expectedChecksum(items, itemBytes) {
  reserve(itemBytes);
  return { count: items, hex: hex64(expected(BigInt(items), itemBytes)) };
}
