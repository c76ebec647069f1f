// Who a request comes from, as the key per-address limits count under.
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import ipaddr from 'ipaddr.js';

/**
 * The rate-limit key of an address. IPv4 as it is (an IPv4-mapped IPv6 address too, as dual-stack sockets
 * report them); IPv6 as its /64, because one subscriber line is handed a /64 or more and could otherwise take
 * a fresh address, and a fresh allowance, for every request. What is not an address at all (a misconfigured
 * proxy's header) is kept as sent, cut short.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address.slice(0, 64);
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const network = new ipaddr.IPv6([...(ip as ipaddr.IPv6).parts.slice(0, 4), 0, 0, 0, 0]);
  return `${network.toString()}/64`;
}

/** Whether an address (as a socket, X-Forwarded-For or HOST gives it) is this machine's: 127/8, ::1, or IPv4-mapped 127/8. */
export function isLoopbackAddress(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'loopback';
}

/**
 * Whom a proxy says it forwarded the request for: the last X-Forwarded-For entry, the one a proxy of ours
 * appended; '' when only a `Forwarded` header came (we read no address from it); undefined when the request
 * carries no proxy header at all.
 */
export function forwardedFor(c: Context): string | undefined {
  const chain = c.req.header('x-forwarded-for');
  if (chain !== undefined) return chain.split(',').at(-1)?.trim() ?? '';
  return c.req.header('forwarded') === undefined ? undefined : '';
}

/**
 * The client's key for per-address limits. Behind TRUST_PROXY, from the last entry of X-Forwarded-For: the one
 * our own proxy appended (nginx's $proxy_add_x_forwarded_for, load balancers alike). Entries before it are what
 * the client sent, so a client choosing them could pick a new address for every request.
 */
export function clientAddressKey(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const last = forwardedFor(c);
    if (last) return addressKey(last);
  }
  try {
    const address = getConnInfo(c).remote.address;
    return address ? addressKey(address) : 'unknown';
  } catch {
    // No Node socket behind the request (app.request() in tests, another runtime).
    return 'unknown';
  }
}
