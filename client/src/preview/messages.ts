/**
 * Messages between the routing preview panel (extension side) and its webview. Declared once here and imported
 * by both sides; every message from the webview is validated with `parseWebviewMessage` before use.
 */
import type { RouteGraph, SimRequest, SimulationResult } from '../../../server/src/service/routing/types';

export interface GraphMessage {
  type: 'graph';
  title: string;
  graph: RouteGraph;
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
          sourceNamespace: optString(r.sourceNamespace, 253),
          sourcePrincipal: optString(r.sourcePrincipal, 512),
          gateway: optString(r.gateway, 512),
        } as SimRequest;
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
