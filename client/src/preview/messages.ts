/**
 * Messages between the routing preview panel (extension side) and its webview. Declared once here and imported
 * by both sides; every message from the webview is validated with `parseWebviewMessage` before use.
 */
import type { RouteGraph, SimRequest, SimulationResult } from '../../../server/src/service/routing/types';

/** The document (and cursor) a preview is about; kept in the page state so a reload can show it again. */
export interface PreviewSource {
  uri: string;
  line?: number;
  character?: number;
}

export interface GraphMessage {
  type: 'graph';
  title: string;
  graph: RouteGraph;
  /** The host the graph is about: pre-fills the simulator form. */
  host?: string;
  source?: PreviewSource;
}
export interface SimulationMessage {
  type: 'simulation';
  result: SimulationResult;
  /** Node and edge ids on the path the request takes. */
  highlight: string[];
}
export interface ErrorMessage {
  type: 'error';
  message: string;
}
export type ToWebview = GraphMessage | SimulationMessage | ErrorMessage;

export interface ReadyMessage {
  type: 'ready';
}
export interface RevealMessage {
  type: 'reveal';
  id: string;
}
export interface SimulateMessage {
  type: 'simulate';
  request: SimRequest;
}
export interface ExportMessage {
  type: 'export';
  format: 'svg' | 'png';
  /** SVG text, or a PNG data URL. */
  data: string;
}
export type FromWebview = ReadyMessage | RevealMessage | SimulateMessage | ExportMessage;

/** The simulator form, as the user typed it. */
export interface FormState {
  host: string;
  port: string;
  method: string;
  path: string;
  headers: string;
  sourceNamespace: string;
  sourcePrincipal: string;
  /** `key=value`, one per line or comma-separated. */
  sourceLabels: string;
  gateway: string;
}

/**
 * What the page keeps with setState: restored when the panel is shown again, and handed to the panel
 * serializer after a window reload (VS Code keeps it as JSON).
 */
export interface WebviewState {
  version: 2;
  form: FormState;
  /** The host field still holds the previewed host (the user did not type one): a new preview replaces it. */
  hostAuto: boolean;
  /** The last simulation answer and the ids it highlights. */
  answer?: { result: SimulationResult; highlight: string[] };
  source?: PreviewSource;
}

const MAX_TEXT = 10 * 1024 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) throw new Error('expected a map of strings');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' || k.length > 256 || x.length > 4096) throw new Error('bad map entry');
    out[k] = x;
  }
  return out;
}

function optString(v: unknown, max = 4096): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || v.length > max) throw new Error('expected a short string');
  return v;
}

function optScheme(v: unknown): string | undefined {
  const s = optString(v, 8)?.toLowerCase();
  if (s !== undefined && s !== 'http' && s !== 'https') throw new Error('scheme must be http or https');
  return s;
}

/** The part of a saved page state the panel serializer uses: which document to preview. Anything else is dropped. */
export function parseSavedState(raw: unknown): { source?: PreviewSource } {
  if (!isRecord(raw) || !isRecord(raw.source)) return {};
  const { uri, line, character } = raw.source;
  if (typeof uri !== 'string' || uri.length > 4096 || !/^(file|untitled):/.test(uri)) return {};
  const pos = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 10_000_000;
  return { source: pos(line) && pos(character) ? { uri, line, character } : { uri } };
}

/** Validates a message from the webview; returns undefined (and the reason) for anything malformed. */
export function parseWebviewMessage(raw: unknown): { message?: FromWebview; error?: string } {
  try {
    if (!isRecord(raw) || typeof raw.type !== 'string') throw new Error('not a message');
    switch (raw.type) {
      case 'ready':
        return { message: { type: 'ready' } };
      case 'reveal': {
        const id = optString(raw.id, 512);
        if (!id) throw new Error('reveal needs an id');
        return { message: { type: 'reveal', id } };
      }
      case 'simulate': {
        const r = raw.request;
        if (!isRecord(r)) throw new Error('simulate needs a request');
        const host = optString(r.host, 512);
        if (!host) throw new Error('the request needs a host');
        const port = r.port === undefined || r.port === '' ? undefined : Number(r.port);
        if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new Error('port must be 1-65535');
        const request: SimRequest = {
          host,
          port,
          method: optString(r.method, 32),
          path: optString(r.path),
          headers: stringMap(r.headers),
          query: stringMap(r.query),
          scheme: optScheme(r.scheme),
          sourceNamespace: optString(r.sourceNamespace, 253),
          sourcePrincipal: optString(r.sourcePrincipal, 512),
          sourceLabels: stringMap(r.sourceLabels),
          gateway: optString(r.gateway, 512),
        };
        return { message: { type: 'simulate', request } };
      }
      case 'export': {
        if (raw.format !== 'svg' && raw.format !== 'png') throw new Error('format must be svg or png');
        if (typeof raw.data !== 'string' || raw.data.length > MAX_TEXT) throw new Error('export data missing or too large');
        if (raw.format === 'png' && !raw.data.startsWith('data:image/png;base64,')) throw new Error('png export must be a PNG data URL');
        if (raw.format === 'svg' && !raw.data.startsWith('<svg')) throw new Error('svg export must be SVG text');
        return { message: { type: 'export', format: raw.format, data: raw.data } };
      }
      default:
        throw new Error(`unknown message type ${JSON.stringify(raw.type).slice(0, 40)}`);
    }
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
