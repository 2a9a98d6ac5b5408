// A TCP port on 127.0.0.1 that nothing listens on right now, for a child process or service that
// must be told its port before it starts: the kernel picks it (port 0), so two tests never draw
// the same one the way random numbers in a range sometimes do.
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}
