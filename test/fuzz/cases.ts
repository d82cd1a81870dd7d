/**
 * A fuzz case: hostile text (a base input with mutations applied), the positions and hosts to query, and the
 * valid edit that follows. Case number i of a run with seed S is generated from seed S + i alone, so any case
 * can be regenerated on its own (`npm run fuzz -- --seed S --case i`).
 */
import fc from 'fast-check';
import type { SimRequest } from '../../server/src/service/routing/types';
import type { Pos } from '../../server/src/service/text';
import { baseInput, validCorpus, type BaseInput } from './corpus';
import { applyAll, mutations, type Mutation } from './mutations';

export type Encoding = 'utf8' | 'latin1' | 'utf16le' | 'flip';

export interface FuzzCase {
  seed: number;
  base: string;
  mutations: Mutation[];
  text: string;
  positions: Pos[];
  hosts: string[];
  requests: SimRequest[];
  /** The valid text of the edit that follows the hostile one. */
  valid: BaseInput;
  /** How the CLI fuzzer writes the text to disk (latin1 and flip give invalid UTF-8). */
  encoding: Encoding;
  flips: number[];
}

/** A uniform fraction in [0, 1] (fc.double is biased towards extremes such as 1e-300). */
const frac = fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((x) => x / 1_000_000);

interface PosSpec {
  mode: 'random' | 'eol' | 'afterColon' | 'afterDash' | 'outside' | 'zero';
  line: number;
  ch: number;
}

const posSpec: fc.Arbitrary<PosSpec> = fc.record({
  mode: fc.constantFrom<PosSpec['mode']>('random', 'random', 'random', 'eol', 'afterColon', 'afterDash', 'outside', 'zero'),
  line: frac,
  ch: frac,
});

function resolvePositions(text: string, specs: PosSpec[]): Pos[] {
  const ls = text.split(/\r\n|\r|\n/);
  return specs.map(({ mode, line: lf, ch: cf }) => {
    const line = Math.min(ls.length - 1, Math.floor(lf * ls.length));
    const l = ls[line] ?? '';
    switch (mode) {
      case 'eol':
        return { line, character: l.length };
      case 'afterColon': {
        const i = l.indexOf(': ');
        return { line, character: i >= 0 ? i + 2 : l.length };
      }
      case 'afterDash': {
        const i = l.indexOf('- ');
        return { line, character: i >= 0 ? i + 2 : 0 };
      }
      case 'outside':
        return { line: ls.length + Math.floor(cf * 10), character: Math.floor(cf * 1e6) };
      case 'zero':
        return { line: 0, character: 0 };
      default:
        return { line, character: Math.floor(cf * (Math.min(l.length, 5000) + 3)) };
    }
  });
}

const HOSTILE_HOSTS = ['', '*', '*.', '.', '..', 'a..b', '*.*', 'reviews', 'reviews.shop', 'reviews.shop.svc.cluster.local', 'a:99999', 'a:-1', '[::1]:80', 'ü.example', 'x'.repeat(5000), '\u0000', 'a/b', '%', '*.example.com'];

function hostsOf(text: string, picks: number[]): string[] {
  const tokens = [...new Set(text.slice(0, 200000).match(/[\w.*-]{1,80}/g) ?? [])];
  return picks.map((p) => (tokens.length ? tokens[Math.floor(p * tokens.length) % tokens.length] : 'a'));
}

const request = (hosts: string[]): fc.Arbitrary<SimRequest> =>
  fc.record(
    {
      host: fc.constantFrom(...hosts, ...HOSTILE_HOSTS),
      port: fc.oneof(fc.constantFrom(80, 443, 9080, 0, -1, 65536, 2 ** 40), fc.integer({ min: 1, max: 65535 })),
      method: fc.constantFrom('GET', 'POST', '', 'get', 'X'.repeat(300)),
      path: fc.constantFrom('/', '', '/api/v1', '/?a=b&a=c', '%zz', '/' + 'a'.repeat(10000), '*', '/ratings?x'),
      headers: fc.dictionary(fc.constantFrom('x-user', 'X-User', ':authority', 'host', '', 'end-user', 'cookie'), fc.constantFrom('jason', '', 'a'.repeat(1000), '\u0000'), { maxKeys: 3 }),
      query: fc.dictionary(fc.constantFrom('a', 'b', ''), fc.constantFrom('1', ''), { maxKeys: 2 }),
      scheme: fc.constantFrom('http', 'https', '', 'ftp'),
      sourceNamespace: fc.constantFrom('shop', 'default', '', 'istio-system'),
      sourcePrincipal: fc.constantFrom('cluster.local/ns/shop/sa/web', 'web.shop.serviceaccount.identity.linkerd.cluster.local', '', '*'),
      sourceLabels: fc.dictionary(fc.constantFrom('app', 'version'), fc.constantFrom('web', 'v1'), { maxKeys: 2 }),
      sourceIp: fc.constantFrom('10.0.0.1', '::1', 'not-an-ip', '', '999.1.1.1'),
      gateway: fc.constantFrom('mesh', 'istio-system/ingressgateway', 'bookinfo-gateway', '', '/', 'a/b/c'),
    },
    { requiredKeys: ['host'] },
  );

/** The arbitrary of whole fuzz cases. */
export function fuzzCase(): fc.Arbitrary<Omit<FuzzCase, 'seed'>> {
  const corpus = validCorpus();
  const others = corpus.slice(0, 6).map((b) => b.text);
  return fc
    .record({
      base: baseInput(),
      mutations: mutations(others),
      positions: fc.array(posSpec, { minLength: 1, maxLength: 6 }),
      hostPicks: fc.array(frac, { minLength: 1, maxLength: 3 }),
      reqSeed: fc.nat(),
      valid: fc.constantFrom(...corpus),
      encoding: fc.constantFrom<Encoding>('utf8', 'utf8', 'utf8', 'latin1', 'utf16le', 'flip'),
      flips: fc.array(frac, { maxLength: 8 }),
    })
    .map(({ base, mutations: ms, positions, hostPicks, reqSeed, valid, encoding, flips }) => {
      const text = applyAll(base.text, ms);
      const hosts = hostsOf(text, hostPicks);
      const requests = fc.sample(request(hosts), { seed: reqSeed, numRuns: 2 });
      return { base: base.name, mutations: ms, text, positions: resolvePositions(text, positions), hosts, requests, valid, encoding, flips: flips.map((f) => Math.floor(f * 1e9)) };
    });
}

let arb: fc.Arbitrary<Omit<FuzzCase, 'seed'>> | undefined;

/** Case `i` of a run with seed `seed`: depends on seed + i only. */
export function caseAt(seed: number, i: number): FuzzCase {
  arb ??= fuzzCase();
  const s = (seed + i) | 0;
  const [c] = fc.sample(arb, { seed: s, numRuns: 1 });
  return { seed: s, ...c };
}

/** The bytes the CLI fuzzer writes for a case. */
export function encode(c: Pick<FuzzCase, 'text' | 'encoding' | 'flips'>): Buffer {
  switch (c.encoding) {
    case 'latin1':
      return Buffer.from(c.text, 'latin1');
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(c.text, 'utf16le')]);
    case 'flip': {
      const b = Buffer.from(c.text, 'utf8');
      for (const f of c.flips) if (b.length) b[f % b.length] ^= 0x80;
      return b;
    }
    default:
      return Buffer.from(c.text, 'utf8');
  }
}
