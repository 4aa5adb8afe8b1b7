// node-ignored-drain: the bug the seeds open with —
//   source.on('data', (chunk) => socket.write(chunk))   // false ignored
// The file is read as fast as the disk allows and every chunk the slow reader has not taken yet
// waits in the socket's writable buffer: memory grows with the input.
import { once } from 'node:events';
import { runScenario } from '../../Sources/ScenarioKitNode/protocol.mjs';
import { prepareStream, runStream } from '../../Sources/ScenarioKitNode/stream.mjs';

await runScenario(new URL('./scenario.json', import.meta.url), {
  prepare: prepareStream,
  run: (context) => runStream(context, async ({ source, work, paceDelayMs, socket }) => {
    let ignoredFalse = 0;
    source.on('data', (chunk) => {
      work(chunk);
      if (!socket.write(chunk)) ignoredFalse += 1; // the bug: no wait for 'drain'
      const delay = paceDelayMs();
      if (delay > 0) {
        source.pause();
        setTimeout(() => source.resume(), delay);
      }
    });
    await once(source, 'end');
    context.set('ignored_false_writes', ignoredFalse);
    socket.end();
  }),
});
