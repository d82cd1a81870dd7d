/**
 * IP address and CIDR parsing for the Kubernetes CEL IP/CIDR libraries, following Go's net/netip
 * (which Kubernetes uses): strict dotted-quad IPv4 (no leading zeros), RFC 4291 IPv6 text forms,
 * RFC 5952 canonical output. Zones and IPv4-mapped IPv6 addresses are rejected as in Kubernetes.
 */

export interface IPAddr {
  family: 4 | 6;
  /** 32-bit (IPv4) or 128-bit (IPv6) address value. */
  value: bigint;
}

export interface IPPrefix {
  addr: IPAddr;
  bits: number;
}

function parseIPv4(s: string): bigint | string {
  const parts = s.split('.');
  if (parts.length !== 4) return 'IPv4 address must have four octets';
  let v = 0n;
  for (const p of parts) {
    if (p.length === 0) return 'IPv4 field must have at least one digit';
    if (p.length > 3 || !/^[0-9]+$/.test(p)) return `unexpected character in IPv4 field ${JSON.stringify(p)}`;
    if (p.length > 1 && p[0] === '0') return 'IPv4 field has octet with leading zero';
    const n = Number(p);
    if (n > 255) return 'IPv4 field has value >255';
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIPv6(s: string): bigint | string {
  if (s.includes('%')) return 'zone is not allowed';
  let groups: number[] = [];
  let ellipsis = -1;
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return 0n;
  }
  while (rest.length > 0) {
    // An embedded IPv4 address may end the address.
    const m = /^([0-9a-fA-F]{1,4})/.exec(rest);
    if (rest.includes('.') && !rest.includes(':')) {
      if (groups.length > 6) return 'too many hex fields';
      const v4 = parseIPv4(rest);
      if (typeof v4 === 'string') return v4;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      rest = '';
      break;
    }
    if (!m) return 'each colon-separated field must have at least one digit';
    groups.push(parseInt(m[1], 16));
    rest = rest.slice(m[1].length);
    if (groups.length > 8) return 'too many hex fields';
    if (rest.length === 0) break;
    if (rest[0] !== ':') return `unexpected character ${JSON.stringify(rest[0])}`;
    if (rest.startsWith('::')) {
      if (ellipsis >= 0) return 'multiple :: in address';
      ellipsis = groups.length;
      rest = rest.slice(2);
    } else {
      rest = rest.slice(1);
      if (rest.length === 0) return 'trailing colon';
    }
  }
  if (ellipsis >= 0) {
    if (groups.length >= 8) return ':: must expand to at least one field of zeros';
    const fill = new Array<number>(8 - groups.length).fill(0);
    groups = [...groups.slice(0, ellipsis), ...fill, ...groups.slice(ellipsis)];
  }
  if (groups.length !== 8) return 'address string too short';
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** Parses an IP address as Kubernetes' ip() does. Returns an error message string when invalid. */
export function parseIP(raw: string): IPAddr | string {
  let r: bigint | string;
  let family: 4 | 6;
  if (raw.includes(':')) {
    family = 6;
    r = parseIPv6(raw);
  } else {
    family = 4;
    r = parseIPv4(raw);
  }
  if (typeof r === 'string') return `IP Address ${JSON.stringify(raw)} parse error during conversion from string: ${r}`;
  if (family === 6 && r >> 32n === 0xffffn) return `IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`;
  return { family, value: r };
}

/** Canonical text form (Go netip Addr.String()): dotted quad, or RFC 5952 IPv6. */
export function formatIP(ip: IPAddr): string {
  if (ip.family === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // Longest run of two or more zero groups (the first one on ties) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]): string => a.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Parses CIDR notation as Kubernetes' cidr() does (netip.ParsePrefix; host bits may be set). */
export function parseCIDR(raw: string): IPPrefix | string {
  const fail = (why: string): string =>
    `network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): ${why}`;
  const slash = raw.lastIndexOf('/');
  if (slash < 0) return fail('no \'/\'');
  const addrPart = raw.slice(0, slash);
  const bitsPart = raw.slice(slash + 1);
  const addr = addrPart.includes(':') ? parseIPv6(addrPart) : parseIPv4(addrPart);
  if (typeof addr === 'string') return fail(addr);
  const family: 4 | 6 = addrPart.includes(':') ? 6 : 4;
  if (family === 6 && addr >> 32n === 0xffffn) return `IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`;
  if (!/^[0-9]+$/.test(bitsPart) || (bitsPart.length > 1 && bitsPart[0] === '0')) {
    return fail(`bad bits after slash: ${JSON.stringify(bitsPart)}`);
  }
  const bits = Number(bitsPart);
  if (bits > (family === 4 ? 32 : 128)) return fail(`prefix length out of range`);
  return { addr: { family, value: addr }, bits };
}

export function formatCIDR(p: IPPrefix): string {
  return `${formatIP(p.addr)}/${p.bits}`;
}

function width(family: 4 | 6): bigint {
  return family === 4 ? 32n : 128n;
}

function maskValue(v: bigint, family: 4 | 6, bits: number): bigint {
  const w = width(family);
  const hostBits = w - BigInt(bits);
  return (v >> hostBits) << hostBits;
}

export function maskedCIDR(p: IPPrefix): IPPrefix {
  return { addr: { family: p.addr.family, value: maskValue(p.addr.value, p.addr.family, p.bits) }, bits: p.bits };
}

export function cidrContainsIP(p: IPPrefix, ip: IPAddr): boolean {
  if (p.addr.family !== ip.family) return false;
  return maskValue(ip.value, ip.family, p.bits) === maskValue(p.addr.value, p.addr.family, p.bits);
}

/** True when `inner` is a subnet of (or equal to) `outer`. */
export function cidrContainsCIDR(outer: IPPrefix, inner: IPPrefix): boolean {
  return inner.bits >= outer.bits && cidrContainsIP(outer, inner.addr);
}

function inV4(ip: IPAddr, net: bigint, bits: number): boolean {
  return ip.family === 4 && maskValue(ip.value, 4, bits) === net;
}

function v6Top16(ip: IPAddr): number {
  return Number(ip.value >> 112n);
}

export function isUnspecified(ip: IPAddr): boolean {
  return ip.value === 0n;
}

export function isLoopback(ip: IPAddr): boolean {
  return ip.family === 4 ? inV4(ip, 0x7f000000n, 8) : ip.value === 1n;
}

function isMulticast(ip: IPAddr): boolean {
  return ip.family === 4 ? inV4(ip, 0xe0000000n, 4) : v6Top16(ip) >> 8 === 0xff;
}

export function isLinkLocalMulticast(ip: IPAddr): boolean {
  return ip.family === 4 ? inV4(ip, 0xe0000000n, 24) : (v6Top16(ip) & 0xff0f) === 0xff02;
}

export function isLinkLocalUnicast(ip: IPAddr): boolean {
  return ip.family === 4 ? inV4(ip, 0xa9fe0000n, 16) : (v6Top16(ip) & 0xffc0) === 0xfe80;
}

export function isGlobalUnicast(ip: IPAddr): boolean {
  if (ip.family === 4 && (ip.value === 0n || ip.value === 0xffffffffn)) return false;
  return !isUnspecified(ip) && !isLoopback(ip) && !isMulticast(ip) && !isLinkLocalUnicast(ip);
}
