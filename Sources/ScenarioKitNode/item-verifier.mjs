// A consumer-side item verifier for a byte stream that arrives in one thread, in any chunking
// (a file, an inflated gzip stream): frames the bytes into items, checks sequence order, hashes
// each item into the ordered checksum and compares count and checksum with those computed from
// the pattern (PROTOCOL.md, "Items"). The same checks as sink-worker.mjs and Swift's
// StreamVerifier; the sink keeps its own copy because it also records latencies per stamp.

import { OrderedChecksum, hashItem, sequenceOf } from './codec.mjs';

export class ItemVerifier {
  /** `onItems(items, bytes)` is told about every chunk's whole items (the row's progress). */
  constructor(itemBytes, onItems = () => {}) {
    this.itemBytes = itemBytes;
    this.onItems = onItems;
    this.checksum = new OrderedChecksum();
    this.staging = Buffer.alloc(itemBytes);
    this.staged = 0;
    this.nextSequence = 0;
    this.outOfOrder = 0;
  }

  accept(buffer, offset) {
    if (sequenceOf(buffer, offset) !== this.nextSequence) this.outOfOrder += 1;
    this.nextSequence = sequenceOf(buffer, offset) + 1;
    this.checksum.add(hashItem(buffer, offset, this.itemBytes));
  }

  /** Consumes the next bytes of the stream. */
  consume(chunk) {
    const size = this.itemBytes;
    let offset = 0;
    let completed = 0;
    if (this.staged > 0) {
      const take = Math.min(size - this.staged, chunk.length);
      chunk.copy(this.staging, this.staged, 0, take);
      this.staged += take;
      offset = take;
      if (this.staged === size) {
        this.accept(this.staging, 0);
        this.staged = 0;
        completed += 1;
      }
    }
    while (chunk.length - offset >= size) {
      this.accept(chunk, offset);
      offset += size;
      completed += 1;
    }
    if (offset < chunk.length) {
      chunk.copy(this.staging, 0, offset);
      this.staged = chunk.length - offset;
    }
    if (completed > 0) this.onItems(completed, completed * size);
  }

  /** The verification report against `expected` ({count, hex}, from ensureExpectedChecksum). */
  report(expected, extraProblems = []) {
    const problems = [...extraProblems];
    if (this.checksum.count !== expected.count) problems.push(`received ${this.checksum.count} items, expected ${expected.count}`);
    if (this.checksum.hex !== expected.hex) problems.push(`checksum ${this.checksum.hex} differs from expected ${expected.hex}`);
    if (this.outOfOrder > 0) problems.push(`${this.outOfOrder} items arrived out of order`);
    if (this.staged > 0) problems.push(`${this.staged} trailing bytes do not form a whole item`);
    return {
      expectedItems: expected.count, receivedItems: this.checksum.count, expectedChecksum: expected.hex,
      receivedChecksum: this.checksum.hex, inOrder: this.outOfOrder === 0, problems,
    };
  }
}
