// The image's health check: GET /healthz on the local HTTP server with node itself, so the
// image needs no curl or wget. Exit 0 when it answers 2xx within the timeout, 1 otherwise.
const port = process.env.GRUWATCH_HTTP__PORT ?? '8080';
const url = `http://127.0.0.1:${port}/healthz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
