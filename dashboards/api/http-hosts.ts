// Which Host and Origin a request to the API may name. A browser page of
// another site can send simple requests to a loopback API, and DNS rebinding
// makes such a page same-origin with it; both are told apart by the Host and
// Origin headers the browser sets and the page cannot forge.
import { isIP } from 'node:net';

const loopbackNames = new Set(['localhost', '::1', '0:0:0:0:0:0:0:1']);
const wildcards = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0', '']);

/** A loopback name or address (127.0.0.0/8, ::1, localhost and its subdomains). */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (loopbackNames.has(name) || name.endsWith('.localhost')) return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

/** An address that listens on every interface. */
export function isWildcardHost(host: string): boolean {
  return wildcards.has(host.replace(/^\[|\]$/g, ''));
}

/** The host name of a `Host` header or URL authority, lower case, without port or brackets. */
export function hostNameOf(authority: string): string {
  const lower = authority.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(1, lower.indexOf(']'));
  const colon = lower.lastIndexOf(':');
  // More than one colon without brackets: a bare IPv6 address, no port.
  return colon >= 0 && lower.indexOf(':') === colon ? lower.slice(0, colon) : lower;
}

/**
 * The host names the API answers to for this bind address and extra names, or
 * `undefined` for any: a wildcard bind without extra names cannot know the
 * names it is reached by.
 */
export function allowedHostNames(bindHost: string, extra: readonly string[]): Set<string> | undefined {
  if (isWildcardHost(bindHost) && extra.length === 0) return undefined;
  const names = new Set(extra.map(hostNameOf));
  if (!isWildcardHost(bindHost)) names.add(hostNameOf(bindHost.includes(':') ? `[${bindHost}]` : bindHost));
  return names;
}

/** Whether the request's `Host` names this server: loopback names always do. */
export function isHostAllowed(hostHeader: string | undefined, allowed: Set<string> | undefined): boolean {
  if (allowed === undefined) return true;
  if (hostHeader === undefined || hostHeader === '') return false;
  const name = hostNameOf(hostHeader);
  return isLoopbackHost(name) || allowed.has(name);
}

/**
 * Whether a state-changing request comes from a page of this server (or from no
 * page at all: curl and the CLI send neither header). A browser names the page's
 * origin in `Origin` and, since 2023 in every engine, the relation in `Sec-Fetch-Site`.
 */
export function isSameOrigin(headers: {
  host?: string | undefined;
  origin?: string | undefined;
  'sec-fetch-site'?: string | string[] | undefined;
}): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const { origin } = headers;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === (headers.host ?? '').toLowerCase();
  } catch {
    // "null" (sandboxed frames, file: pages) and anything unparsable.
    return false;
  }
}
