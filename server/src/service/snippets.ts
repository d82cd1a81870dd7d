import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DocumentTemplate {
  name: string;
  prefix: string;
  description: string;
  /** Snippet syntax ($1, ${1:x}, ${1|a,b|}). */
  body: string;
}

/**
 * The project's snippets (snippets/*.code-snippets, VS Code's format), offered by completion as whole-document
 * templates in an empty document, so editors other than VS Code get them too. Read once, on first use.
 */
export class TemplateLibrary {
  private loaded?: DocumentTemplate[];

  constructor(private readonly dir: string | undefined) {}

  all(): DocumentTemplate[] {
    if (this.loaded) return this.loaded;
    const out: DocumentTemplate[] = [];
    try {
      if (this.dir && fs.existsSync(this.dir)) {
        for (const f of fs.readdirSync(this.dir).filter((x) => x.endsWith('.code-snippets') || x.endsWith('.json')).sort()) {
          const raw = JSON.parse(fs.readFileSync(path.join(this.dir, f), 'utf8')) as Record<string, { prefix?: string | string[]; description?: string; body?: string | string[] }>;
          for (const [name, s] of Object.entries(raw)) {
            const prefix = Array.isArray(s.prefix) ? s.prefix[0] : s.prefix;
            const body = Array.isArray(s.body) ? s.body.join('\n') : s.body;
            if (prefix && body) out.push({ name, prefix, description: s.description ?? name, body });
          }
        }
      }
    } catch {
      // a broken snippet file must not break completion
    }
    this.loaded = out;
    return out;
  }
}
