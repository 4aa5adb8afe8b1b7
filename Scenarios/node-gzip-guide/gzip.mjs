// node-gzip-guide: the experiment of Node's guide "Backpressuring in Streams" — a file gzipped to
// a file — in its two shapes:
//   respect_backpressure=true   readStream.pipe(gzip).pipe(writeStream)   (the guide's program)
//   respect_backpressure=false  every chunk written into gzip, write()'s false ignored
// The guide got the second shape by patching Writable.write to `return true`; here the program
// ignores the return value itself, which leaves pipe()'s pause/resume nothing to act on in the
// same way. The input is the kit's cached item file; the output goes to the run's work folder
// and is then inflated and verified item by item, so a run that lost or damaged data fails.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { finished } from 'node:stream/promises';
import { runScenario } from '../../Sources/ScenarioKitNode/protocol.mjs';
import { ensureExpectedChecksum, ensureInputFile } from '../../Sources/ScenarioKitNode/stream.mjs';
import { ItemVerifier } from '../../Sources/ScenarioKitNode/item-verifier.mjs';

function settingsOf(context) {
  const p = context.parameters;
  return {
    items: p.items, itemBytes: p.item_bytes, totalBytes: p.items * p.item_bytes,
    readBytes: p.read_bytes, level: p.gzip_level, respect: p.respect_backpressure, dropChunk: p.drop_chunk,
  };
}

/** Read → gzip → file, in the configured shape; resolves once the output file is closed. */
async function compress(context, s, inputPath, outputPath) {
  const source = fs.createReadStream(inputPath, { highWaterMark: s.readBytes });
  const gzip = zlib.createGzip({ level: s.level });
  const out = fs.createWriteStream(outputPath);
  // What the guide's unpatched program keeps small and the patched one lets grow: uncompressed
  // chunks accepted by gzip.write() and not yet compressed.
  context.gauge('queued_bytes', () => gzip.writableLength);
  context.gauge('output_queue_bytes', () => out.writableLength);
  if (s.dropChunk > 0) {
    // Fault injection for the tests: the N-th chunk never reaches the compressor, in either shape
    // (pipe() calls gzip.write too), so verification must catch the loss.
    const write = gzip.write.bind(gzip);
    let calls = 0;
    gzip.write = (chunk, ...rest) => (++calls === s.dropChunk ? true : write(chunk, ...rest));
  }
  let sourceBytes = 0;
  let ignoredFalse = 0;
  source.on('data', (chunk) => { sourceBytes += chunk.length; });
  // pipe() forwards no errors: any stage failing destroys the file stream, which rejects `done`.
  const fail = (error) => out.destroy(error);
  source.on('error', fail);
  gzip.on('error', fail);
  const done = finished(out);
  if (s.respect) {
    source.pipe(gzip).pipe(out);
  } else {
    gzip.pipe(out);
    source.on('data', (chunk) => {
      if (!gzip.write(chunk)) ignoredFalse += 1; // the bug: no pause, no 'drain'
    });
    source.on('end', () => gzip.end());
  }
  await done;
  context.set('source_bytes', sourceBytes);
  context.set('ignored_false_writes', ignoredFalse);
  context.set('compressed_bytes', out.bytesWritten);
}

/** Inflates the output file and checks every item against the pattern. */
async function verify(context, s, outputPath, expected) {
  const verifier = new ItemVerifier(s.itemBytes, (items, bytes) => context.addProgress(items, bytes));
  const problems = [];
  const reading = fs.createReadStream(outputPath);
  const gunzip = zlib.createGunzip();
  reading.on('error', (error) => gunzip.destroy(error));
  reading.pipe(gunzip);
  try {
    for await (const chunk of gunzip) verifier.consume(chunk);
  } catch (error) {
    problems.push(`the output does not inflate: ${error.message}`); // truncated or damaged gzip
  }
  return verifier.report(expected, problems);
}

await runScenario(new URL('./scenario.json', import.meta.url), {
  prepare: async (context) => {
    const s = settingsOf(context);
    ensureInputFile(s, context.cacheDirectory);
    ensureExpectedChecksum(s, context.cacheDirectory);
  },
  run: async (context) => {
    const s = settingsOf(context);
    const inputPath = ensureInputFile(s, context.cacheDirectory);
    const expected = ensureExpectedChecksum(s, context.cacheDirectory);
    const outputPath = `${context.workDirectory}/items.bin.gz`;
    const started = process.hrtime.bigint();
    await compress(context, s, inputPath, outputPath);
    const compressedAt = process.hrtime.bigint();
    // gzip_s is what the guide timed (the whole compression); verification comes after it.
    context.set('gzip_s', Number(compressedAt - started) / 1e9);
    context.set('compression_ratio', context.metrics.compressed_bytes / s.totalBytes);
    const report = await verify(context, s, outputPath, expected);
    context.set('verify_s', Number(process.hrtime.bigint() - compressedAt) / 1e9);
    fs.rmSync(outputPath, { force: true });
    return report;
  },
});
