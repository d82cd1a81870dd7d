/**
 * The routing preview webview: draws the route graph (laid out with dagre) as SVG, runs the simulator form, and
 * talks to the extension only through the typed messages of ../messages.ts. Names from YAML are always set as
 * text (textContent / SVG text nodes), never parsed as HTML. The answer is rendered from the typed
 * SimulationResult with the phrases the CLI uses (server/src/service/routing/explain.ts).
 */
import dagre from '@dagrejs/dagre';
import type { FormState, FromWebview, ToWebview, WebviewState } from '../messages';
import type { RouteEdge, RouteGraph, RouteNode, SimulationResult } from '../../../../server/src/service/routing/types';
import {
  actionTexts,
  authzText,
  customText,
  delegationText,
  destinationTail,
  destinationText,
  entryText,
  failed,
  matchedText,
  mtlsText,
  noMatchText,
  requestText,
  skippedText,
  statusText,
} from '../../../../server/src/service/routing/explain';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const SVG_NS = 'http://www.w3.org/2000/svg';

const emptyForm: FormState = { host: '', port: '', method: 'GET', path: '/', headers: '', sourceNamespace: '', sourcePrincipal: '', sourceLabels: '', gateway: '' };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isStr = (v: unknown): v is string => typeof v === 'string';

/** A saved answer is drawn again only if it has the shape this version renders (a state can outlive an update). */
function isSimulationResult(v: unknown): v is SimulationResult {
  if (!isRecord(v) || !isRecord(v.request) || !isRecord(v.entry) || !isRecord(v.mtls) || !isRecord(v.authorization) || !isRecord(v.actions)) return false;
  const q = v.request;
  const okDest = (d: unknown): boolean => isRecord(d) && isStr(d.host) && typeof d.percent === 'number' && typeof d.status === 'number' && Array.isArray(d.workloads) && Array.isArray(d.problems);
  return (
    isStr(q.host) &&
    isStr(q.method) &&
    isStr(q.path) &&
    isStr(v.resolvedHost) &&
    isStr(v.resolvedScheme) &&
    isStr(v.entry.kind) &&
    isStr(v.entry.name) &&
    isStr(v.outcome) &&
    typeof v.status === 'number' &&
    (v.matched === null || (isRecord(v.matched) && isRecord(v.matched.resource) && isStr(v.matched.summary))) &&
    Array.isArray(v.skipped) &&
    v.skipped.every((x) => isRecord(x) && isRecord(x.resource) && isStr(x.reason)) &&
    Array.isArray(v.destinations) &&
    v.destinations.every(okDest) &&
    isStr(v.mtls.mode) &&
    isStr(v.mtls.reason) &&
    isStr(v.authorization.decision) &&
    isStr(v.authorization.reason) &&
    Array.isArray(v.notes) &&
    v.notes.every(isStr)
  );
}

/** The saved state, from this version or an older one (only the string form fields of those survive). */
function loadState(raw: unknown): WebviewState {
  const st: WebviewState = { version: 2, form: { ...emptyForm }, hostAuto: true };
  if (!isRecord(raw)) return st;
  if (isRecord(raw.form)) {
    for (const k of Object.keys(emptyForm) as Array<keyof FormState>) {
      const v = raw.form[k];
      if (typeof v === 'string') st.form[k] = v;
    }
  }
  st.hostAuto = typeof raw.hostAuto === 'boolean' ? raw.hostAuto : st.form.host === '';
  if (raw.version === 2 && isRecord(raw.answer) && isSimulationResult(raw.answer.result) && Array.isArray(raw.answer.highlight)) {
    st.answer = { result: raw.answer.result, highlight: raw.answer.highlight.filter(isStr) };
  }
  if (isRecord(raw.source) && isStr(raw.source.uri)) {
    const { uri, line, character } = raw.source;
    st.source = { uri, line: typeof line === 'number' ? line : undefined, character: typeof character === 'number' ? character : undefined };
  }
  return st;
}

let state: WebviewState = loadState(vscode.getState());
let graph: RouteGraph | undefined;
let highlight = new Set<string>();

function save(): void {
  vscode.setState(state);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgEl(tag: string, attrs: Record<string, string | number> = {}, text?: string): SVGElement {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const root = document.getElementById('root')!;
const title = el('h1', { id: 'title' }, 'Routing preview');
const answer = el('div', { id: 'answer', role: 'status', 'aria-live': 'polite' });
const canvas = el('div', { id: 'canvas' });
const toolbar = el('div', { id: 'toolbar' });
const form = el('form', { id: 'simulate', 'aria-label': 'Simulate a request' });
const inputs = new Map<keyof FormState, HTMLInputElement | HTMLTextAreaElement>();

function field(name: keyof FormState, label: string, placeholder: string, multiline = false): HTMLElement {
  const wrap = el('label', { class: 'field' });
  wrap.append(el('span', {}, label));
  const input = multiline ? el('textarea', { name, rows: '2', placeholder }) : el('input', { name, placeholder, type: 'text' });
  input.value = state.form[name];
  input.addEventListener('input', () => {
    state = { ...state, form: { ...state.form, [name]: input.value } };
    // a host the user typed is kept; clearing the field lets the next preview fill it in again
    if (name === 'host') state.hostAuto = input.value === '';
    save();
  });
  inputs.set(name, input);
  wrap.append(input);
  return wrap;
}

form.append(
  field('host', 'Host', 'reviews or bookstore.example.com'),
  field('port', 'Port', '80'),
  field('method', 'Method', 'GET'),
  field('path', 'Path', '/api/books?id=1'),
  field('headers', 'Headers (name: value per line)', 'end-user: jason', true),
  field('sourceNamespace', 'Source namespace', 'shop'),
  field('sourcePrincipal', 'Source principal', 'cluster.local/ns/shop/sa/web'),
  field('sourceLabels', 'Source labels (key=value per line)', 'app=web', true),
  field('gateway', 'Entry (mesh or ns/gateway)', 'mesh'),
);
const submit = el('button', { type: 'submit' }, 'Simulate');
form.append(submit);

/** `name: value` per line. */
function headerLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/** `key=value` per line or comma-separated (`key: value` too). */
function labelPairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(/[\n,]/)) {
    const m = /^\s*([^=:\s][^=:]*?)\s*[=:]\s*(.*?)\s*$/.exec(part);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = state.form;
  const [path, q] = f.path.split('?', 2);
  const query: Record<string, string> = {};
  for (const kv of (q ?? '').split('&').filter(Boolean)) {
    const [k, v] = kv.split('=', 2);
    query[decodeURIComponent(k)] = decodeURIComponent(v ?? '');
  }
  const labels = labelPairs(f.sourceLabels);
  vscode.postMessage({
    type: 'simulate',
    request: {
      host: f.host.trim(),
      port: f.port.trim() ? Number(f.port) : undefined,
      method: f.method.trim() || undefined,
      path: path || '/',
      headers: headerLines(f.headers),
      query,
      sourceNamespace: f.sourceNamespace.trim() || undefined,
      sourcePrincipal: f.sourcePrincipal.trim() || undefined,
      sourceLabels: Object.keys(labels).length ? labels : undefined,
      gateway: f.gateway.trim() || undefined,
    },
  });
});

const exportSvg = el('button', { type: 'button', id: 'export-svg' }, 'Export SVG');
const exportPng = el('button', { type: 'button', id: 'export-png' }, 'Export PNG');
toolbar.append(exportSvg, exportPng);
root.append(title, form, answer, toolbar, canvas);

function marksOf(n: RouteNode): string {
  return [n.mtls ? `🔒 ${n.mtls}` : '', n.authz ? `🛡 ${n.authz.summary}` : ''].filter(Boolean).join('  ');
}

function nodeSize(n: RouteNode): { width: number; height: number } {
  const lines = [n.label, n.detail ?? '', ...n.badges.map((b) => b.text)].filter(Boolean);
  const marks = Math.min(40, marksOf(n).length);
  const width = Math.min(420, Math.max(120, ...lines.map((l, i) => Math.min(l.length, 50) * 7 + 24 + (i === 0 && marks ? marks * 7 + 12 : 0))));
  return { width, height: 22 + lines.length * 16 };
}

function edgeLabel(e: RouteEdge): string {
  const pct = e.percent !== undefined ? `${e.percent}%` : undefined;
  const parts = [e.match, pct && !(e.label ?? '').includes(pct) ? pct : undefined, e.label, ...e.badges.map((b) => b.text)].filter((x): x is string => !!x);
  return [...new Set(parts)].join(' · ');
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** Lays out and draws the graph. Every label is inserted as a text node. */
function render(): void {
  canvas.replaceChildren();
  if (!graph) return;
  if (!graph.nodes.length) {
    canvas.append(el('p', { class: 'empty' }, 'No routing found for this file. Open a VirtualService, HTTPRoute, Gateway, TrafficSplit or Service, or simulate a request above.'));
    return;
  }
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 90, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { ...nodeSize(n) });
  for (const e of graph.edges) {
    if (!g.hasNode(e.from) || !g.hasNode(e.to)) continue;
    const label = truncate(edgeLabel(e), 60);
    g.setEdge(e.from, e.to, { width: label.length * 6.5, height: 14, labelpos: 'c' }, e.id);
  }
  dagre.layout(g);
  const info = g.graph();
  const svg = svgEl('svg', { xmlns: SVG_NS, width: Math.ceil(info.width ?? 400), height: Math.ceil(info.height ?? 200), role: 'img', 'aria-label': title.textContent ?? 'routing graph' }) as SVGSVGElement;
  const defs = svgEl('defs');
  const marker = svgEl('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
  marker.append(svgEl('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }));
  defs.append(marker);
  svg.append(defs);

  for (const e of graph.edges) {
    const ge = g.edge({ v: e.from, w: e.to, name: e.id }) as { points?: Array<{ x: number; y: number }>; x?: number; y?: number } | undefined;
    if (!ge?.points) continue;
    const d = ge.points.map((p, i) => `${i ? 'L' : 'M'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
    const cls = ['edge', `edge-${e.kind}`, e.broken ? 'broken' : '', highlight.has(e.id) ? 'hl' : ''].filter(Boolean).join(' ');
    const group = svgEl('g', { class: cls, 'data-id': e.id });
    const path = svgEl('path', { d, 'marker-end': 'url(#arrow)' });
    const tip = svgEl('title', {}, [edgeLabel(e), ...e.problems].filter(Boolean).join('\n'));
    group.append(tip, path);
    const label = truncate(edgeLabel(e), 60);
    if (label && ge.x !== undefined && ge.y !== undefined) group.append(svgEl('text', { x: ge.x, y: ge.y, class: 'edge-label', 'text-anchor': 'middle' }, label));
    if (e.mtls) group.append(svgEl('text', { x: (ge.x ?? 0), y: (ge.y ?? 0) + 14, class: 'mtls', 'text-anchor': 'middle' }, `🔒 ${e.mtls}`));
    svg.append(group);
  }

  for (const n of graph.nodes) {
    const gn = g.node(n.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!gn) continue;
    const x = gn.x - gn.width / 2;
    const y = gn.y - gn.height / 2;
    const cls = ['node', `node-${n.kind}`, n.broken ? 'broken' : '', n.unreachable ? 'unreachable' : '', highlight.has(n.id) ? 'hl' : ''].filter(Boolean).join(' ');
    const group = svgEl('g', { class: cls, tabindex: 0, role: 'button', 'data-id': n.id, 'aria-label': `${n.kind} ${n.label}${n.problems.length ? ': ' + n.problems.join('; ') : ''}` });
    group.append(svgEl('title', {}, [n.label, n.detail, ...n.problems, n.authz?.summary].filter(Boolean).join('\n')));
    group.append(svgEl('rect', { x, y, width: gn.width, height: gn.height, rx: 6 }));
    let ty = y + 17;
    group.append(svgEl('text', { x: x + 10, y: ty, class: 'label' }, truncate(n.label, 48)));
    if (n.detail) group.append(svgEl('text', { x: x + 10, y: (ty += 16), class: 'detail' }, truncate(n.detail, 50)));
    for (const b of n.badges) group.append(svgEl('text', { x: x + 10, y: (ty += 16), class: `badge badge-${b.kind}` }, truncate(b.text, 50)));
    const marks = marksOf(n);
    if (marks) group.append(svgEl('text', { x: x + gn.width - 8, y: y + 17, class: 'marks', 'text-anchor': 'end' }, truncate(marks, 40)));
    const reveal = (): void => vscode.postMessage({ type: 'reveal', id: n.id });
    group.addEventListener('click', reveal);
    group.addEventListener('keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Enter' || (ev as KeyboardEvent).key === ' ') {
        ev.preventDefault();
        reveal();
      }
    });
    svg.append(group);
  }
  canvas.append(svg);
}

/** The answer, from the typed result: every part as text. */
function renderAnswer(r: SimulationResult): void {
  const dl = el('dl');
  const add = (label: string, values: Array<string | undefined>, cls?: string): void => {
    const vs = values.filter((v): v is string => v !== undefined);
    if (!vs.length) return;
    dl.append(el('dt', {}, label));
    for (const v of vs) dl.append(el('dd', cls ? { class: cls } : {}, v));
  };
  const m = r.matched;
  add('Request', [requestText(r)]);
  add('Entry', [entryText(r.entry)]);
  if (r.resolvedHost !== r.request.host) add('Host', [r.resolvedHost]);
  add('Matched', m ? [matchedText(m), delegationText(m)] : [noMatchText(r)]);
  add('Skipped', r.skipped.map(skippedText), 'skipped');
  dl.append(el('dt', {}, 'Destinations'));
  if (!r.destinations.length) dl.append(el('dd', {}, 'none'));
  for (const d of r.destinations) {
    dl.append(el('dd', { class: d.status === 200 ? 'destination' : 'destination bad' }, `${destinationText(d)} ${d.percent}%${destinationTail(d)}`));
    for (const p of d.problems) dl.append(el('dd', { class: 'problem' }, `! ${p}`));
  }
  add('Actions', actionTexts(r.actions));
  add('mTLS', [mtlsText(r.mtls)], r.mtls.effective === 'fails' ? 'bad' : undefined);
  add('Authorization', [authzText(r.authorization), customText(r.authorization)], r.authorization.decision === 'DENY' ? 'bad' : undefined);
  if (r.gatewayAuthorization && r.gatewayAuthorization !== r.authorization) add('At gateway', [authzText(r.gatewayAuthorization)]);
  add('Notes', r.notes, 'note');
  const bad = failed(r);
  const head = el('div', { class: bad ? 'headline bad' : 'headline' }, `Status ${statusText(r)}`);
  answer.replaceChildren(head, dl);
  answer.classList.toggle('failed', bad);
}

/** Shows an answer (new, or restored from the state); a state from another version that cannot be drawn is dropped. */
function showAnswer(a: NonNullable<WebviewState['answer']>): boolean {
  try {
    renderAnswer(a.result);
    highlight = new Set(a.highlight);
    return true;
  } catch {
    answer.replaceChildren();
    highlight = new Set();
    return false;
  }
}

function exportSvgText(): string | undefined {
  const svg = canvas.querySelector('svg');
  if (!svg) return undefined;
  const clone = svg.cloneNode(true) as SVGSVGElement;
  // inline the computed theme colours so the file looks the same outside VS Code
  const style = getComputedStyle(document.body);
  const fg = style.getPropertyValue('--vscode-editor-foreground') || '#333';
  const bg = style.getPropertyValue('--vscode-editor-background') || '#fff';
  const err = style.getPropertyValue('--vscode-editorError-foreground') || style.getPropertyValue('--vscode-errorForeground') || '#c00';
  const st = document.createElementNS(SVG_NS, 'style');
  st.textContent = `text{font:12px sans-serif;fill:${fg}} rect{fill:${bg};stroke:${fg}} path{fill:none;stroke:${fg}} .broken rect,.broken path,.unreachable rect{stroke:${err}} .arrowhead{fill:${fg}}`;
  clone.insertBefore(st, clone.firstChild);
  return new XMLSerializer().serializeToString(clone);
}

exportSvg.addEventListener('click', () => {
  const data = exportSvgText();
  if (data) vscode.postMessage({ type: 'export', format: 'svg', data });
});
exportPng.addEventListener('click', () => {
  const data = exportSvgText();
  const svg = canvas.querySelector('svg');
  if (!data || !svg) return;
  const img = new Image();
  img.onload = () => {
    const c = document.createElement('canvas');
    c.width = svg.width.baseVal.value;
    c.height = svg.height.baseVal.value;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background') || '#fff';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(img, 0, 0);
    vscode.postMessage({ type: 'export', format: 'png', data: c.toDataURL('image/png') });
  };
  img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(data);
});

window.addEventListener('message', (event: MessageEvent) => {
  const msg = event.data as ToWebview;
  if (!msg || typeof msg !== 'object') return;
  switch (msg.type) {
    case 'graph':
      graph = msg.graph;
      title.textContent = msg.title;
      if (msg.host && state.hostAuto && state.form.host !== msg.host) {
        state.form = { ...state.form, host: msg.host };
        const hostInput = inputs.get('host');
        if (hostInput) hostInput.value = msg.host;
      }
      if (msg.source) state.source = msg.source;
      save();
      render();
      break;
    case 'simulation':
      state.answer = { result: msg.result, highlight: msg.highlight };
      if (!showAnswer(state.answer)) state.answer = undefined;
      save();
      render();
      break;
    case 'error':
      answer.replaceChildren(el('div', { class: 'error' }, msg.message));
      answer.classList.remove('failed');
      state.answer = undefined;
      highlight = new Set();
      save();
      render();
      break;
  }
});

if (state.answer && !showAnswer(state.answer)) {
  state.answer = undefined;
  save();
}
vscode.postMessage({ type: 'ready' });
