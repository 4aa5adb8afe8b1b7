// node-manual-drain: backpressure by hand, the seeds' loop —
//   for await (const chunk of source) { if (!socket.write(chunk)) await once(socket, 'drain') }
// write() returns false once the socket's buffer passes its high-water mark; the loop then
// waits for 'drain' before it reads the next chunk.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { runScenario } from '../../Sources/ScenarioKitNode/protocol.mjs';
import { prepareStream, runStream } from '../../Sources/ScenarioKitNode/stream.mjs';

await runScenario(new URL('./scenario.json', import.meta.url), {
  prepare: prepareStream,
  run: (context) => runStream(context, async ({ source, work, paceDelayMs, socket }) => {
    let drains = 0;
    for await (const chunk of source) {
      work(chunk);
      const delay = paceDelayMs();
      if (delay > 0) await sleep(delay);
      if (!socket.write(chunk)) {
        drains += 1;
        await once(socket, 'drain');
      }
    }
    context.set('drain_waits', drains);
    socket.end();
  }),
});
