/**
 * A listen address as the host part of a URL a client can connect to: IPv6 addresses are bracketed
 * (`::1` → `[::1]`) and the wildcard addresses, which accept connections but cannot be dialled
 * portably, become loopback (`0.0.0.0` → `127.0.0.1`, `::` → `[::1]`).
 *
 * @example
 * urlHost('::1') // '[::1]'
 * urlHost('0.0.0.0') // '127.0.0.1'
 */
export function urlHost(address: string): string {
  if (address === '' || address === '0.0.0.0') return '127.0.0.1';
  if (address === '::' || address === '[::]') return '[::1]';
  if (address.startsWith('[')) return address;
  return address.includes(':') ? `[${address}]` : address;
}
