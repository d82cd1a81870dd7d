/**
 * Protected contexts: applying to a context whose name matches one of the
 * `meshYaml.protectedContexts` patterns needs the context name typed, not a click.
 * A pattern is a glob (`*` any run of characters, `?` one character; case-insensitive, whole
 * name) or, written between slashes, a JavaScript regular expression (`/^prod-/i`, not
 * anchored unless it says so). An invalid regular expression protects every context
 * (fail closed), and is reported.
 */

export const DEFAULT_PROTECTED_PATTERNS = ['*prod*'];

export interface PatternMatch {
  pattern: string;
  /** Set when the pattern could not be understood (it then matches everything). */
  invalid?: string;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Whether a context name matches one pattern. */
export function matchPattern(name: string, pattern: string): PatternMatch | undefined {
  const p = pattern.trim();
  if (!p) return undefined;
  const re = /^\/(.*)\/([a-z]*)$/s.exec(p);
  if (re) {
    try {
      return new RegExp(re[1], re[2]).test(name) ? { pattern } : undefined;
    } catch (e) {
      return { pattern, invalid: (e as Error).message };
    }
  }
  return globToRegExp(p).test(name) ? { pattern } : undefined;
}

/** The first pattern that protects this context, if any. */
export function protectedBy(name: string, patterns: readonly string[]): PatternMatch | undefined {
  for (const p of patterns) {
    const m = matchPattern(name, p);
    if (m) return m;
  }
  return undefined;
}

export interface TargetDescription {
  contextName: string;
  clusterName: string;
  server: string;
  user?: string;
  namespace: string;
}

export interface Counts {
  create: number;
  update: number;
  unchanged: number;
  deferred: number;
}

export type Confirmation = (
  | { kind: 'button'; message: string; button: string }
  | { kind: 'typeContextName'; message: string; expected: string; prompt: string; matchedPattern: string; invalidPattern?: string }
) & {
  /** What the user must know before saying yes, one sentence each: resources not dry-run in advance, files left out. */
  details: string[];
  /**
   * Offered when some resources could not be dry-run in advance: apply only the Namespaces/CRDs
   * they need, then dry-run everything else and ask again.
   */
  firstStep?: { label: string; detail: string };
};

/** What the confirmation must say besides the counts. */
export interface ConfirmationExtra {
  /** Resources that could not be dry-run in advance, and the Namespaces/CRDs written before they are. */
  deferred?: { unchecked: string[]; writtenFirst: string[] };
  /** Files of a folder apply that were left out, with why. */
  skipped?: { file: string; reason: string }[];
}

function listed(labels: readonly string[], max = 8): string {
  return labels.length <= max ? labels.join(', ') : `${labels.slice(0, max).join(', ')} and ${labels.length - max} more`;
}

/** What the user must do before anything is applied. Pure: the UI shows what this says. */
export function confirmationFor(target: TargetDescription, counts: Counts, patterns: readonly string[], force = false, extra: ConfirmationExtra = {}): Confirmation {
  const changes = counts.create + counts.update + counts.deferred;
  const parts = [`${counts.create} to create`, `${counts.update} to update`];
  if (counts.deferred) parts.push(`${counts.deferred} not dry-run in advance`);
  parts.push(`${counts.unchanged} unchanged`);
  const message =
    `Apply ${changes} resource${changes === 1 ? '' : 's'} (${parts.join(', ')}) to context "${target.contextName}" ` +
    `(cluster "${target.clusterName}", ${target.server})${force ? ', FORCING ownership of conflicting fields' : ''}?`;
  const details: string[] = [];
  let firstStep: Confirmation['firstStep'];
  const d = extra.deferred;
  if (d && d.unchecked.length) {
    const first = d.writtenFirst.length ? listed(d.writtenFirst) : 'their Namespaces/CRDs';
    details.push(
      `Not dry-run in advance, because their Namespace or CRD does not exist yet: ${listed(d.unchecked)}. ` +
        `They are dry-run after ${first} ${d.writtenFirst.length === 1 ? 'is' : 'are'} applied; if that dry run fails, ${first} ${d.writtenFirst.length === 1 ? 'stays' : 'stay'} applied and nothing else is written.`,
    );
    if (d.writtenFirst.length) {
      firstStep = {
        label: `Apply only ${listed(d.writtenFirst, 3)} first`,
        detail: `Step 1 of 2: writes only ${d.writtenFirst.length === 1 ? 'it' : 'these'}. Then everything else is dry-run and shown again, and nothing more is written unless you confirm.`,
      };
    }
  }
  const sk = extra.skipped ?? [];
  if (sk.length) details.push(`${sk.length} file${sk.length === 1 ? '' : 's'} skipped (not applied): ${listed(sk.map((s) => `${s.file} (${s.reason})`))}.`);
  const m = protectedBy(target.contextName, patterns);
  if (m) {
    return {
      kind: 'typeContextName',
      message,
      expected: target.contextName,
      prompt: `"${target.contextName}" is a protected context (matches ${m.pattern}). Type the context name to apply.`,
      matchedPattern: m.pattern,
      invalidPattern: m.invalid,
      details,
      firstStep,
    };
  }
  return { kind: 'button', message, button: 'Apply', details, firstStep };
}

/** Whether what the user typed confirms the protected context (exact name; surrounding spaces ignored). */
export function typedConfirmationOk(input: string | undefined, expected: string): boolean {
  return input !== undefined && input.trim() === expected;
}
