// node-pipeline: the seeds' recommended default, verbatim in shape —
//   await pipeline(createReadStream(file), transform, socket)
// pipeline() does the write()/'drain' handshake between every pair of stages, so the slow
// reader's full socket pauses the file stream. Workload and verification: ScenarioKitNode.
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { runScenario } from '../../Sources/ScenarioKitNode/protocol.mjs';
import { prepareStream, runStream } from '../../Sources/ScenarioKitNode/stream.mjs';

await runScenario(new URL('./scenario.json', import.meta.url), {
  prepare: prepareStream,
  run: (context) => runStream(context, async ({ source, work, paceDelayMs, socket, settings }) => {
    const transform = new Transform({
      readableHighWaterMark: settings.highWaterMark,
      writableHighWaterMark: settings.highWaterMark,
      transform(chunk, _encoding, callback) {
        work(chunk);
        const delay = paceDelayMs();
        if (delay > 0) setTimeout(() => callback(null, chunk), delay);
        else callback(null, chunk);
      },
    });
    // Ends the socket after the last chunk; the reader's verification says when all arrived.
    await pipeline(source, transform, socket);
  }),
});
