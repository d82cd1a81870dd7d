/**
 * Builds the JSON Schema (draft-07) that yaml-language-server validates the benchmark workloads with, from the same
 * bundled schemas our server uses (schemas/kinds/*.json, structural OpenAPI v3 from the CRDs) and the same field docs
 * (schemas/docs/*.yaml, as markdownDescription so that hover shows comparable text).
 *
 * One schema for every kind: `allOf` of `if {apiVersion ∈ versions, kind = Kind} then {$ref: that kind's schema}`, so
 * each YAML document of a multi-document file is validated (and completed, and hovered) against its own kind, as
 * our server does.
 *
 * OpenAPI → draft-07: `nullable` becomes a `null` type; `x-kubernetes-int-or-string` becomes integer|string;
 * `x-kubernetes-preserve-unknown-fields` lifts `additionalProperties: false`; OpenAPI formats that draft-07 does not
 * know (int32, int64, double, float, byte, duration) are dropped, as are patterns JavaScript cannot compile. CEL rules
 * (`x-kubernetes-validations`) have no JSON Schema equivalent and are dropped: that is work our server does and
 * yaml-language-server does not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

type Node = Record<string, unknown>;

interface KindFile {
  group: string;
  kind: string;
  versions: Record<string, string>;
  schemas: Record<string, Node>;
}

interface FieldDoc {
  doc: string;
  example?: string;
}
interface KindDocs {
  fields: Record<string, FieldDoc>;
  aliases?: Record<string, string>;
}

const DRAFT7_FORMATS = new Set(['date-time', 'date', 'time', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'uuid', 'regex']);
const COPY = new Set([
  'type', 'required', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'default', 'description', 'title',
]);

function findDoc(docs: KindDocs | undefined, common: KindDocs | undefined, docPath: string): FieldDoc | undefined {
  let p = docPath;
  for (let hops = 0; hops < 8; hops++) {
    const direct = docs?.fields[p];
    if (direct) return direct;
    const aliases = Object.entries(docs?.aliases ?? {}).sort((a, b) => b[0].length - a[0].length);
    const hit = aliases.find(([from]) => p === from || p.startsWith(from + '.') || p.startsWith(from + '[') || p.startsWith(from + '{'));
    if (!hit) break;
    p = hit[1] + p.slice(hit[0].length);
  }
  return common?.fields[docPath];
}

export interface ConvertStats {
  kinds: number;
  schemas: number;
  droppedPatterns: number;
  droppedCel: number;
  described: number;
}

class Converter {
  readonly stats: ConvertStats = { kinds: 0, schemas: 0, droppedPatterns: 0, droppedCel: 0, described: 0 };

  convert(n: Node, docPath: string, docs: KindDocs | undefined, common: KindDocs | undefined): Node {
    const out: Node = {};
    for (const [k, v] of Object.entries(n)) {
      if (COPY.has(k)) out[k] = v;
      else if (k === 'properties') {
        const props: Record<string, Node> = {};
        for (const [name, sub] of Object.entries(v as Record<string, Node>)) props[name] = this.convert(sub, docPath ? `${docPath}.${name}` : name, docs, common);
        out.properties = props;
      } else if (k === 'items') out.items = Array.isArray(v) ? v.map((s: Node) => this.convert(s, `${docPath}[]`, docs, common)) : this.convert(v as Node, `${docPath}[]`, docs, common);
      else if (k === 'additionalProperties') out.additionalProperties = typeof v === 'boolean' ? v : this.convert(v as Node, `${docPath}{}`, docs, common);
      else if (k === 'oneOf' || k === 'anyOf' || k === 'allOf') out[k] = (v as Node[]).map((s) => this.convert(s, docPath, docs, common));
      else if (k === 'not') out.not = this.convert(v as Node, docPath, docs, common);
      else if (k === 'format') {
        if (DRAFT7_FORMATS.has(String(v))) out.format = v;
      } else if (k === 'pattern') {
        try {
          new RegExp(String(v), 'u');
          out.pattern = v;
        } catch {
          this.stats.droppedPatterns++;
        }
      } else if (k === 'x-kubernetes-validations') this.stats.droppedCel += (v as unknown[]).length;
      // nullable, x-kubernetes-*: handled below; anything else (example...) is dropped
    }
    if (n.nullable === true && typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    }
    if (n['x-kubernetes-int-or-string'] === true) {
      out.type = ['integer', 'string'];
    }
    if (n['x-kubernetes-preserve-unknown-fields'] === true && out.additionalProperties === false) delete out.additionalProperties;
    const doc = docPath ? findDoc(docs, common, docPath) : undefined;
    if (doc) {
      this.stats.described++;
      out.description = doc.doc.trim();
      out.markdownDescription = doc.example ? `${doc.doc.trim()}\n\n\`\`\`yaml\n${doc.example}\n\`\`\`` : doc.doc.trim();
    }
    return out;
  }
}

function readDocs(dir: string, id: string): KindDocs | undefined {
  const file = path.join(dir, 'docs', `${id}.yaml`);
  if (!fs.existsSync(file)) return undefined;
  return parseYaml(fs.readFileSync(file, 'utf8')) as KindDocs;
}

/** The draft-07 dispatch schema for every bundled kind. */
export function buildYlsSchema(schemasDir: string): { schema: Node; stats: ConvertStats } {
  const conv = new Converter();
  const common = readDocs(schemasDir, '_common');
  const definitions: Record<string, Node> = {};
  const branches: Node[] = [];
  const kindsDir = path.join(schemasDir, 'kinds');
  for (const f of fs.readdirSync(kindsDir).filter((x) => x.endsWith('.json')).sort()) {
    const k = JSON.parse(fs.readFileSync(path.join(kindsDir, f), 'utf8')) as KindFile;
    const docs = readDocs(schemasDir, `${k.group}_${k.kind}`);
    conv.stats.kinds++;
    const byHash = new Map<string, string[]>();
    for (const [version, hash] of Object.entries(k.versions)) byHash.set(hash, [...(byHash.get(hash) ?? []), `${k.group}/${version}`]);
    for (const [hash, apiVersions] of byHash) {
      const def = `${k.group}_${k.kind}_${hash}`;
      definitions[def] = conv.convert(k.schemas[hash], '', docs, common);
      conv.stats.schemas++;
      branches.push({
        if: { properties: { apiVersion: { enum: apiVersions }, kind: { const: k.kind } }, required: ['apiVersion', 'kind'] },
        then: { $ref: `#/definitions/${def}` },
      });
    }
  }
  return {
    schema: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'Mesh resources (bench)',
      type: 'object',
      allOf: branches,
      definitions,
    },
    stats: conv.stats,
  };
}

/** Writes the schema to `dir` and returns the `yaml` settings section that maps it onto every YAML file. */
export function writeYlsSettings(schemasDir: string, dir: string): { settings: Node; schemaFile: string; stats: ConvertStats } {
  const { schema, stats } = buildYlsSchema(schemasDir);
  const schemaFile = path.join(dir, 'mesh.schema.json');
  fs.writeFileSync(schemaFile, JSON.stringify(schema));
  const settings = {
    validate: true,
    hover: true,
    completion: true,
    format: { enable: false },
    schemas: { [`file://${schemaFile}`]: ['*.yaml', '*.yml'] },
    customTags: [],
    schemaStore: { enable: false, url: '' },
    kubernetesCRDStore: { enable: false },
    maxItemsComputed: 5000,
  };
  return { settings, schemaFile, stats };
}
