/*
 * Which of a Gateway's status addresses name a place to connect to (doctor --request, probe-cache,
 * the traffic map). Pure: no network.
 */
import {isIP} from 'node:net';

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i;

/**
 * The Gateway's status addresses that name a place to connect to, in status order — never anything
 * else: type IPAddress (the default when type is unset) whose value is an IP address, and type
 * Hostname whose value is a DNS name; other types (NamedAddress, implementation-specific
 * domain-prefixed types) name no network address of their own and are skipped. A Hostname (a
 * cloud load balancer's DNS name) is connected to by name, so this machine's resolver turns it
 * into an IP, as it would for any client of the Gateway. Address types: Gateway API
 * apis/v1/shared_types.go (AddressType) and gateway_types.go (GatewayStatusAddress).
 */
export function connectableAddresses(addresses: readonly {type?: string | undefined; value: string}[] | undefined): string[] {
  const out: string[] = [];
  for (const a of addresses ?? []) {
    const type = a.type ?? 'IPAddress';
    const value = a.value.trim();
    const ok = type === 'IPAddress' ? isIP(value) !== 0 : type === 'Hostname' ? DNS_NAME.test(value) : false;
    if (ok && !out.includes(value)) out.push(value);
  }
  return out;
}
