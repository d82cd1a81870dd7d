/**
 * Keeps credentials out of every message and log line. Two layers:
 * 1. the literal secret values known from the kubeconfig (tokens, passwords, key/cert/CA data,
 *    auth-provider tokens, and the Authorization header actually sent, which may come from an
 *    exec plugin), replaced wherever they appear;
 * 2. patterns that look like credentials whatever their value (Bearer tokens, PEM blocks,
 *    `token: ...`-style pairs), for secrets we could not know in advance.
 */

const MASK = '<redacted>';

/** Keys whose values are credentials, in kubeconfig (kebab-case) and client-node (camelCase) spellings. */
const SECRET_KEYS = [
  'token',
  'id-token',
  'idToken',
  'refresh-token',
  'refreshToken',
  'access-token',
  'accessToken',
  'client-secret',
  'clientSecret',
  'password',
  'client-key-data',
  'keyData',
  'client-certificate-data',
  'certData',
  'certificate-authority-data',
  'caData',
];

const PATTERNS: RegExp[] = [
  // PEM blocks (keys and certificates), whole.
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g,
  // HTTP authorization values.
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g,
  // JWTs anywhere (three base64url parts).
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  // key: value / key=value / "key":"value" pairs naming a credential.
  new RegExp(`(["']?\\b(?:${SECRET_KEYS.map((k) => k.replace(/-/g, '\\-')).join('|')})\\b["']?\\s*[:=]\\s*)(["']?)[^\\s"',}]{4,}\\2`, 'gi'),
];

export class Redactor {
  private readonly secrets = new Set<string>();

  constructor(secrets: Iterable<string | undefined | null> = []) {
    this.add(...secrets);
  }

  /** Adds literal secret values (and their base64 / decoded forms). Values shorter than 4 characters are ignored. */
  add(...values: (string | undefined | null)[]): void {
    for (const v of values) {
      if (!v) continue;
      const s = v.trim();
      if (s.length < 4) continue;
      this.secrets.add(s);
      // kubeconfig *-data fields are base64: also hide what they decode to, if it is text.
      if (/^[A-Za-z0-9+/=\s]+$/.test(s) && s.length >= 16) {
        const decoded = Buffer.from(s, 'base64').toString('utf8').trim();
        if (decoded.length >= 4 && /^[\x20-\x7e\r\n\t]+$/.test(decoded)) {
          this.secrets.add(decoded);
          // and each long line of a decoded PEM body, in case a message quotes part of it
          for (const line of decoded.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) this.secrets.add(line);
        }
      }
      this.secrets.add(Buffer.from(s, 'utf8').toString('base64'));
    }
  }

  /** Number of literal secrets known (for tests and logs; never the values). */
  get size(): number {
    return this.secrets.size;
  }

  /** Replaces only the known secret values (used on resource text, where credential-like patterns may be legitimate). */
  redactLiterals(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is replaced whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(MASK);
    }
    return out;
  }

  /** Replaces known secret values and anything that looks like a credential: for messages and log lines. */
  redact(text: string): string {
    let out = this.redactLiterals(text);
    for (const re of PATTERNS) {
      out = out.replace(re, (match: string, prefix?: unknown, quote?: unknown) => {
        if (match.startsWith('-----BEGIN')) return `${/-----BEGIN ([A-Z0-9 ]+)-----/.exec(match)![0]}${MASK}`;
        if (/^(Bearer|Basic)\s/.test(match)) return `${match.split(/\s+/)[0]} ${MASK}`;
        if (typeof prefix === 'string' && typeof quote === 'string') return `${prefix}${quote}${MASK}${quote}`;
        return MASK;
      });
    }
    return out;
  }
}

/** Collects the credential values of a kubeconfig's users and clusters (as parsed by client-node). */
export function secretsOfKubeconfig(users: readonly Record<string, unknown>[], clusters: readonly Record<string, unknown>[]): string[] {
  const out: string[] = [];
  const take = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
  };
  for (const u of users) {
    take(u.token);
    take(u.password);
    take(u.keyData);
    take(u.certData);
    const ap = u.authProvider as { config?: Record<string, unknown> } | undefined;
    if (ap?.config) for (const [k, v] of Object.entries(ap.config)) if (/token|secret|password|key/i.test(k)) take(v);
    const exec = u.exec as { env?: { name?: string; value?: string }[] } | undefined;
    for (const e of exec?.env ?? []) if (e && /token|secret|password|key/i.test(e.name ?? '')) take(e.value);
  }
  for (const c of clusters) take(c.caData);
  return out;
}
