/**
 * URL parsing for the Kubernetes CEL URL library, following Go's net/url as Kubernetes uses it:
 * a string is a URL when `url.ParseRequestURI` accepts it (absolute URI or absolute path), and the
 * components come from `url.Parse` (which splits off the #fragment).
 */

export interface ParsedURL {
  scheme: string;
  opaque: string;
  /** host[:port] exactly as Go's URL.Host (unescaped, IPv6 literals keep their brackets). */
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
}

type Mode = 'path' | 'host' | 'zone' | 'query' | 'userinfo';

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/** Go url.shouldEscape for the modes used here. */
function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if (mode === 'host' || mode === 'zone') {
    if ("!$&'()*+,;=:[]<>\"".includes(ch)) return false;
  }
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'userinfo':
        return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case 'query':
        return true;
      default:
        return false;
    }
  }
  return true;
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

/** Go url.unescape: decodes %XX escapes; returns undefined for malformed input. */
function unescape(s: string, mode: Mode): string | undefined {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; ) {
    const ch = s[i];
    if (ch === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) return undefined;
      const v = parseInt(s.slice(i + 1, i + 3), 16);
      // In hosts only %25 may escape an ASCII byte (RFC 6874 zone separator).
      if (mode === 'host' && v < 0x80 && s.slice(i, i + 3) !== '%25') return undefined;
      bytes.push(v);
      i += 3;
      continue;
    }
    const c = ch.charCodeAt(0);
    if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscape(c, mode)) return undefined;
    if (mode === 'query' && ch === '+') {
      bytes.push(0x20);
      i++;
      continue;
    }
    const cp = s.codePointAt(i) as number;
    const w = cp > 0xffff ? 2 : 1;
    for (const b of enc.encode(s.slice(i, i + w))) bytes.push(b);
    i += w;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Go url.escape for path mode: percent-encodes the UTF-8 bytes that must be escaped. */
function escapePath(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    if (shouldEscape(b, 'path')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}

/** Go url.validEncoded for path mode. */
function validEncodedPath(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if ("!$&'()*+,;=:@[]%".includes(ch)) continue;
    const c = s.charCodeAt(i);
    if (c >= 0x80 || shouldEscape(c, 'path')) return false;
  }
  return true;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function getScheme(raw: string): [string, string] | string {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) return 'missing protocol scheme';
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parseHost(host: string): string | { error: string } {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) return { error: "missing ']' in host" };
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) return { error: `invalid port ${JSON.stringify(colonPort)} after host` };
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) {
      const h1 = unescape(host.slice(0, zone), 'host');
      const h2 = unescape(host.slice(zone, i), 'zone');
      const h3 = unescape(host.slice(i), 'host');
      if (h1 === undefined || h2 === undefined || h3 === undefined) return { error: 'invalid host' };
      return h1 + h2 + h3;
    }
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) return { error: `invalid port ${JSON.stringify(colonPort)} after host` };
    }
  }
  const h = unescape(host, 'host');
  if (h === undefined) return { error: `invalid character in host name` };
  return h;
}

function validUserinfo(s: string): boolean {
  for (const ch of s) {
    if (/[A-Za-z0-9]/.test(ch)) continue;
    if ("-._:~!$&'()*+,;=%@".includes(ch)) continue;
    return false;
  }
  return true;
}

const CTL = /[\x00-\x1f\x7f]/;

/** Go url.parse(rawURL, viaRequest). Returns the URL or an error message. */
function parse(raw: string, viaRequest: boolean): ParsedURL | string {
  if (CTL.test(raw)) return 'net/url: invalid control character in URL';
  if (raw === '' && viaRequest) return 'empty url';
  const url: ParsedURL = { scheme: '', opaque: '', host: '', path: '', rawPath: '', rawQuery: '' };
  if (raw === '*') {
    url.path = '*';
    return url;
  }
  const sch = getScheme(raw);
  if (typeof sch === 'string') return sch;
  url.scheme = sch[0].toLowerCase();
  let rest = sch[1];
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      url.opaque = rest; // rootless paths are opaque (RFC 3986)
      return url;
    }
    if (viaRequest) return 'invalid URI for request';
    const seg = rest.split('/')[0];
    if (seg.includes(':')) return 'first path segment in URL cannot contain colon';
  }
  if ((url.scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf('@');
    const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
    if (typeof host !== 'string') return host.error;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!validUserinfo(userinfo)) return 'net/url: invalid userinfo';
      const [user, pass] = userinfo.includes(':') ? [userinfo.slice(0, userinfo.indexOf(':')), userinfo.slice(userinfo.indexOf(':') + 1)] : [userinfo, ''];
      if (unescape(user, 'userinfo') === undefined || unescape(pass, 'userinfo') === undefined) return 'invalid URL escape in userinfo';
    }
    url.host = host;
  }
  const path = unescape(rest, 'path');
  if (path === undefined) return 'invalid URL escape in path';
  url.path = path;
  url.rawPath = escapePath(path) === rest ? '' : rest;
  return url;
}

/** Kubernetes isURL(): Go url.ParseRequestURI succeeds. */
export function isURL(s: string): boolean {
  return typeof parse(s, true) !== 'string';
}

/** Kubernetes url(): the parsed URL, or an error message. */
export function parseURL(s: string): ParsedURL | string {
  const check = parse(s, true);
  if (typeof check === 'string') return `URL parse error during conversion from string: parse ${JSON.stringify(s)}: ${check}`;
  const hash = s.indexOf('#');
  const u = parse(hash >= 0 ? s.slice(0, hash) : s, false);
  if (typeof u === 'string') return `URL parse error during conversion from string: parse ${JSON.stringify(s)}: ${u}`;
  return u;
}

function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}

export function urlHostname(u: ParsedURL): string {
  return splitHostPort(u.host)[0];
}

export function urlPort(u: ParsedURL): string {
  return splitHostPort(u.host)[1];
}

export function urlEscapedPath(u: ParsedURL): string {
  if (u.rawPath !== '' && validEncodedPath(u.rawPath)) {
    const p = unescape(u.rawPath, 'path');
    if (p !== undefined && p === u.path) return u.rawPath;
  }
  if (u.path === '*') return '*';
  return escapePath(u.path);
}

/** Go url.ParseQuery, ignoring malformed pairs: key -> values in order. */
export function urlQuery(u: ParsedURL): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of u.rawQuery.split('&')) {
    if (part.includes(';') || part === '') continue;
    const eq = part.indexOf('=');
    const k = unescape(eq >= 0 ? part.slice(0, eq) : part, 'query');
    const v = unescape(eq >= 0 ? part.slice(eq + 1) : '', 'query');
    if (k === undefined || v === undefined) continue;
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}
