// Safety tests of the routing preview page (dist/webview/main.js + style.css)
// in headless Chromium, outside VS Code: the page is the one the panel sets,
// built by client/src/preview/html.ts with its Content-Security-Policy, served
// from a loopback HTTP server; a stub acquireVsCodeApi records what the page
// posts and keeps its state across reloads (as VS Code does), and the tests
// post it messages whose labels carry HTML/script: a hand-made graph, and the
// graph and simulation the server computes for a workspace whose rule and
// policy names are payloads (scenario.ts).
//
// Issue: "a resource named `<img src=x onerror=alert(1)>` or with script in
// labels renders as text". Used by test/webview/run.ts (standalone) and by
// test/e2e/run.ts (with the bundle of the installed .vsix).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { previewCsp, previewHtml } from '../../client/src/preview/html';
import { parseWebviewMessage } from '../../client/src/preview/messages';
import { BROKEN_BACKEND_ID, DENIED_REQUEST, HOST, P1, P2, P3, realGraphMessage, realSimulationMessage, RULE_IDS } from './scenario';

// Browser globals used inside page.evaluate callbacks (the project's tsconfig has no DOM lib).
interface El {
  id: string;
  textContent: string | null;
  innerHTML: string;
  src: string;
  classList: { contains(c: string): boolean };
  getAttribute(name: string): string | null;
  querySelector(sel: string): El | null;
  querySelectorAll(sel: string): { forEach(f: (e: El) => void): void };
  addEventListener(type: string, f: () => void): void;
  append(...nodes: El[]): void;
  remove(): void;
}
interface PageWindow {
  __posted: Array<Record<string, unknown>>;
  __violations: Array<{ directive: string; blocked: string; sample: string }>;
  __inserted: string[];
  __state?: { form?: Record<string, string>; hostAuto?: boolean; answer?: { highlight: string[]; result: { status: number } } };
  postMessage(message: unknown, targetOrigin: string): void;
}
declare const window: PageWindow;
declare const document: { activeElement: El | null; querySelector(sel: string): El | null; querySelectorAll(sel: string): { forEach(f: (e: El) => void): void } };
declare function getComputedStyle(e: El): { stroke: string; getPropertyValue(name: string): string };

export const ROOT = path.resolve(__dirname, '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export const PAYLOADS = [P1, P2, P3] as const;

export interface WebviewSuiteOptions {
  browser: Browser;
  /** Folder with main.js and style.css (dist/webview, or the installed extension's). */
  distDir: string;
  /** Where screenshots go (xss.png, simulation.png). */
  resultsDir: string;
  log: (m: string) => void;
  /** Prefix of the result lines ("webview: "). */
  prefix?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// The page

interface Served {
  url: string;
  /** Paths the page requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * The panel's page (previewHtml, as panel.ts builds it) with two test additions: the theme variables VS Code
 * would inject, and the stub VS Code API in a nonce'd inline script before main.js. The state the page saves
 * survives a reload (sessionStorage), like the state VS Code keeps for a hidden panel.
 */
function pageHtml(origin: string, nonce: string): string {
  const stub = `
window.__posted = [];
window.__violations = [];
window.__inserted = [];
window.__state = (function () { try { return JSON.parse(sessionStorage.getItem('__vscodeState') || 'null') || undefined; } catch (e) { return undefined; } })();
window.acquireVsCodeApi = function () {
  return {
    postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
    getState: function () { return window.__state; },
    setState: function (s) { window.__state = JSON.parse(JSON.stringify(s)); sessionStorage.setItem('__vscodeState', JSON.stringify(s)); },
  };
};
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample || '' });
});
// every element ever inserted whose tag can run or load something
new MutationObserver(function (records) {
  records.forEach(function (r) {
    r.addedNodes.forEach(function (n) {
      if (n.nodeType !== 1) return;
      [n].concat(Array.prototype.slice.call(n.querySelectorAll('*'))).forEach(function (e) {
        var t = e.localName;
        if (t === 'script' && e.nonce) return; // the page's own scripts
        if (/^(img|script|iframe|object|embed|foreignobject|image|a|style|link|meta|base)$/i.test(t) || (t === 'svg' && e.parentNode && e.parentNode.closest && e.parentNode.closest('svg'))) {
          window.__inserted.push(t + (e.id ? '#' + e.id : ''));
        }
      });
    });
  });
}).observe(document, { childList: true, subtree: true });`;
  const page = previewHtml({ cspSource: origin, nonce, scriptUri: `${origin}/main.js`, styleUri: `${origin}/style.css` });
  const csp = `<meta http-equiv="Content-Security-Policy" content="${previewCsp(origin, nonce)}">`;
  const style = `<link rel="stylesheet" href="${origin}/style.css">`;
  const script = `<script nonce="${nonce}" src="${origin}/main.js"></script>`;
  for (const part of [csp, style, script]) if (!page.includes(part)) throw new Error(`the panel page (previewHtml) no longer contains ${part}: update the webview tests`);
  return page.replace(style, `<link rel="stylesheet" href="${origin}/theme.css">\n${style}`).replace(script, `<script nonce="${nonce}">${stub}</script>\n${script}`);
}

/** A few of the --vscode-* theme variables VS Code gives a webview (Light+), so the screenshot looks like one. */
const THEME_CSS = `html {
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px;
  --vscode-editor-foreground: #3b3b3b; --vscode-editor-background: #ffffff; --vscode-descriptionForeground: #717171;
  --vscode-errorForeground: #f85149; --vscode-editorError-foreground: #e51400; --vscode-focusBorder: #005fb8;
  --vscode-input-foreground: #3b3b3b; --vscode-input-background: #ffffff; --vscode-input-border: #cecece;
  --vscode-button-foreground: #ffffff; --vscode-button-background: #005fb8; --vscode-button-hoverBackground: #0258a8;
  --vscode-editorWidget-background: #f8f8f8; --vscode-editorWidget-border: #c8c8c8; --vscode-editorWarning-foreground: #bf8803;
  --vscode-charts-blue: #1a85ff; --vscode-charts-green: #388a34; --vscode-charts-orange: #d18616;
}`;

async function serve(distDir: string): Promise<Served> {
  const js = readFileSync(path.join(distDir, 'main.js'));
  const css = readFileSync(path.join(distDir, 'style.css'));
  const requests: string[] = [];
  let html = '';
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    requests.push(p);
    const send = (code: number, type: string, body: string | Buffer) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (p === '/' || p === '/index.html') send(200, 'text/html; charset=utf-8', html);
    else if (p === '/main.js') send(200, 'text/javascript; charset=utf-8', js);
    else if (p === '/style.css') send(200, 'text/css; charset=utf-8', css);
    else if (p === '/theme.css') send(200, 'text/css; charset=utf-8', THEME_CSS);
    else send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  html = pageHtml(origin, randomBytes(16).toString('base64'));
  return {
    url: `${origin}/index.html`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The messages

const NODE_IDS = { entry: `entry:${P3}`, route: `route:${P1}`, rule: 'rule:<b>0</b>', backend: `backend:${P2}`, workload: 'workload:w' };

/** A graph whose every label, detail, badge and edge label carries a payload. */
export function hostileGraph() {
  const src = { uri: 'file:///ws/x.yaml', startLine: 0, path: [], resource: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'ns', name: P1 } };
  return {
    type: 'graph' as const,
    title: `Routing: ${P2}`,
    host: P1,
    graph: {
      query: { host: P1 },
      nodes: [
        { id: NODE_IDS.entry, kind: 'entry', label: P3, detail: P1, badges: [], problems: [P2] },
        { id: NODE_IDS.route, kind: 'route', label: P1, detail: P2, badges: [{ kind: 'retries', text: P3 }], problems: [], source: src },
        { id: NODE_IDS.rule, kind: 'rule', label: P2, detail: P3, badges: [{ kind: 'headers', text: P1 }], problems: [P3] },
        { id: NODE_IDS.backend, kind: 'backend', label: 'backend', detail: P1, badges: [{ kind: 'timeout', text: P2 }], problems: [], mtls: 'STRICT', authz: { summary: P3, policies: [] } },
        { id: NODE_IDS.workload, kind: 'workload', label: 'workload', badges: [], problems: [] },
      ],
      edges: [
        { id: 'e1', from: NODE_IDS.entry, to: NODE_IDS.route, kind: 'attach', label: P1, badges: [], problems: [P2] },
        { id: 'e2', from: NODE_IDS.route, to: NODE_IDS.rule, kind: 'rule', match: P2, badges: [], problems: [] },
        { id: 'e3', from: NODE_IDS.rule, to: NODE_IDS.backend, kind: 'route', percent: 100, label: P3, badges: [], problems: [] },
        { id: 'e4', from: NODE_IDS.backend, to: NODE_IDS.workload, kind: 'select', badges: [{ kind: 'mirror', text: P1 }], problems: [] },
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The tests

interface Env {
  page: Page;
  served: Served;
  dialogs: string[];
  resultsDir: string;
}

type Test = { name: string; run(env: Env): Promise<void> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const start = Date.now();
  let last: T | undefined;
  for (;;) {
    last = await get();
    if (ok(last)) return last;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 400)}`);
    await sleep(50);
  }
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const posted = (page: Page) => page.evaluate(() => window.__posted);
const clearPosted = (page: Page) => page.evaluate(() => void (window.__posted.length = 0));
const inserted = (page: Page) => page.evaluate(() => window.__inserted);
const violations = (page: Page) => page.evaluate(() => window.__violations);
const send = (page: Page, msg: unknown) => page.evaluate((m) => window.postMessage(m, '*'), msg);

/**
 * Lets pending loads finish: an image we add ourselves (with an event listener, which the CSP allows) that
 * requests a missing URL; once its error event fired, an `<img src=x>` made earlier would have been requested
 * (and its onerror run) too.
 */
async function settle(page: Page): Promise<void> {
  // A string, not a function: tsx (esbuild keepNames) would wrap named inner functions in a `__name` helper
  // that does not exist in the page.
  await page.evaluate(`new Promise((resolve) => {
    const img = new Image();
    img.addEventListener('error', () => resolve());
    img.addEventListener('load', () => resolve());
    img.src = '/settle-probe-' + Date.now();
    setTimeout(() => resolve(), 3000);
  }).then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))`);
}

/** The answer's rows: each dt with the dd elements after it. */
const answerRows = (page: Page) =>
  page.locator('#answer dl').evaluate(`(() => {
    const out = [];
    document.querySelectorAll('#answer dl > dt, #answer dl > dd').forEach((e) => {
      if (e.localName === 'dt') out.push({ label: e.textContent, values: [] });
      else out[out.length - 1].values.push(e.textContent);
    });
    return out;
  })()`) as Promise<Array<{ label: string; values: string[] }>>;

/** Visible text of the elements matching a selector (SVG text included). */
const texts = (page: Page, selector: string) => page.locator(selector).evaluateAll((els: El[]) => els.map((e) => e.textContent ?? ''));

const tests: Test[] = [
  {
    name: 'the page loads under the panel CSP and posts "ready"',
    async run({ page }) {
      const msgs = await until('the page to post a message', () => posted(page), (m) => m.length > 0);
      assert(msgs[0].type === 'ready', `the first message is ${JSON.stringify(msgs[0])}, expected {"type":"ready"}`);
      assert((await page.locator('#root form#simulate').count()) === 1, 'the simulator form (#root form#simulate) was not drawn: did main.js run under the CSP?');
      const v = await violations(page);
      assert(v.length === 0, `the page itself violates its CSP: ${JSON.stringify(v)}`);
    },
  },
  {
    name: 'labels, details, badges and edge labels with HTML render as text',
    async run(env) {
      const { page, served } = env;
      await send(page, hostileGraph());
      await until('the hostile graph to be drawn (5 g.node)', () => page.locator('#root svg g.node').count(), (n) => n === 5);
      await settle(page);
      const ins = await inserted(page);
      assert(ins.length === 0, `elements were created from labels: ${JSON.stringify(ins)}`);
      assert((await page.locator('img, script:not([nonce]), iframe, object, embed, foreignObject, svg svg').count()) === 0, 'an img/script/iframe/object/embed/foreignObject/nested svg element exists');
      assert((await page.locator('script').count()) === 2, `expected only the 2 scripts of the page, found ${await page.locator('script').count()}`);
      assert((await page.locator('[onerror], [onload]').count()) === 0, 'an element has an onerror/onload attribute');
      assert(!served.requests.includes('/x'), `the page requested /x (an <img src=x> was created): ${JSON.stringify(served.requests)}`);
      // verbatim, visible text
      const labels = await texts(page, '#root svg g.node text.label');
      const details = await texts(page, '#root svg g.node text.detail');
      const badges = await texts(page, '#root svg g.node text.badge');
      const edgeLabels = await texts(page, '#root svg g.edge text.edge-label');
      for (const p of PAYLOADS) {
        assert(labels.includes(p), `no node label reads ${JSON.stringify(p)} verbatim: ${JSON.stringify(labels)}`);
        assert(details.includes(p), `no node detail reads ${JSON.stringify(p)}: ${JSON.stringify(details)}`);
        assert(badges.includes(p), `no badge reads ${JSON.stringify(p)}: ${JSON.stringify(badges)}`);
        assert(edgeLabels.some((t) => t.includes(p)), `no edge label contains ${JSON.stringify(p)}: ${JSON.stringify(edgeLabels)}`);
      }
      assert(edgeLabels.includes(P1) && edgeLabels.includes(P2), `edge labels are not verbatim: ${JSON.stringify(edgeLabels)}`);
      const title = (await page.locator('#title').textContent()) ?? '';
      assert(title === `Routing: ${P2}`, `the title is ${JSON.stringify(title)}`);
      for (const p of PAYLOADS) {
        const t = page.locator('#root svg g.node text.label', { hasText: p }).first();
        assert(await t.isVisible(), `the label ${JSON.stringify(p)} is not visible`);
      }
      // tooltips and aria-labels are text too
      const aria = await page.locator('#root svg g.node').evaluateAll((els: El[]) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      assert(aria.some((a) => a.includes(P3)), `no node aria-label carries ${JSON.stringify(P3)}: ${JSON.stringify(aria)}`);
      const ids = await page.locator('#root svg g.node').evaluateAll((els: El[]) => els.map((e) => e.getAttribute('data-id')));
      assert(ids.includes(NODE_IDS.route) && ids.includes(NODE_IDS.backend), `node ids were altered: ${JSON.stringify(ids)}`);
      await page.screenshot({ path: path.join(env.resultsDir, 'xss.png'), fullPage: true });
    },
  },
  {
    name: 'the previewed host pre-fills the simulator form (as a value, not markup)',
    async run({ page }) {
      const host = await page.locator('form#simulate input[name="host"]').inputValue();
      assert(host === P1, `the host field holds ${JSON.stringify(host)}, expected the graph's host ${JSON.stringify(P1)}`);
    },
  },
  {
    name: 'a real simulation answer (server result from YAML) names every part, with hostile names as text',
    async run({ page, served, resultsDir }) {
      const graph = realGraphMessage();
      await send(page, graph);
      await until('the real graph', () => page.locator('#root svg g.node').count(), (n) => n === graph.graph.nodes.length);
      const sim = realSimulationMessage();
      await send(page, sim);
      await until('the answer (#answer dl) to show the simulation', () => texts(page, '#answer dd'), (t) => t.some((l) => l.includes(P1)));
      await settle(page);
      const dts = await texts(page, '#answer dt');
      const dds = await texts(page, '#answer dd');
      const rows = await answerRows(page);
      const row = (label: string): string[] => {
        const r = rows.find((x) => x.label === label);
        assert(r, `the answer has no ${JSON.stringify(label)} row: ${JSON.stringify(dts)}`);
        return r.values;
      };
      const headline = (await page.locator('#answer .headline').textContent()) ?? '';
      assert(headline === 'Status 200 (routed)', `the headline is ${JSON.stringify(headline)}`);
      assert(JSON.stringify(row('Request')) === JSON.stringify(['GET http://reviews.shop:9080/']), `request: ${JSON.stringify(row('Request'))}`);
      assert(row('Entry')[0] === 'mesh (sidecar to sidecar)', `entry: ${JSON.stringify(row('Entry'))}`);
      assert(row('Matched')[0] === `VirtualService shop/reviews rule 1 "${P1}" (any request)`, `matched: ${JSON.stringify(row('Matched'))}`);
      assert(row('Skipped')[0] === `VirtualService shop/reviews rule 0 "${P2}": header x-payload exact ${P3} does not match "nope"`, `skipped: ${JSON.stringify(row('Skipped'))}`);
      assert(
        JSON.stringify(row('Destinations')) === JSON.stringify([`${HOST} (v1) port 9080 90% -> Deployment reviews-v1`, `${HOST} (v2) port 9080 10% -> Deployment reviews-v2`]),
        `destinations: ${JSON.stringify(row('Destinations'))}`,
      );
      assert(JSON.stringify(row('Actions')) === JSON.stringify(['timeout 2s', 'retries 3 x 1s', 'fault: delay 5s for 1%', `mirror 5% to ${HOST} (v2)`]), `actions: ${JSON.stringify(row('Actions'))}`);
      assert(/^STRICT \(server\) \/ AUTO \(client\) -> mutual TLS: /.test(row('mTLS')[0] ?? ''), `mTLS: ${JSON.stringify(row('mTLS'))}`);
      assert(row('Authorization')[0] === `ALLOW by shop/${P3} rule 0 (ALLOW policy shop/${P3} rule 0 matches)`, `authorization: ${JSON.stringify(row('Authorization'))}`);
      assert(dds.every((d) => !d.includes('undefined') && !d.includes('[object')), `a part rendered as undefined/[object]: ${JSON.stringify(dds)}`);
      // the highlight: the server's ids, on the matched rule and not the skipped or unreachable ones
      const hl = await page.locator('#root svg .hl').evaluateAll((els: El[]) => els.map((e) => e.getAttribute('data-id')));
      assert(hl.includes(RULE_IDS.matched) && !hl.includes(RULE_IDS.skipped) && !hl.includes(RULE_IDS.unreachable), `highlighted: ${JSON.stringify(hl)}`);
      assert(sim.highlight.every((id) => hl.includes(id)), `not every id of the answer is highlighted: ${JSON.stringify(sim.highlight.filter((id) => !hl.includes(id)))}`);
      const ins = await inserted(page);
      assert(ins.length === 0, `elements were created from the answer: ${JSON.stringify(ins)}`);
      assert(!served.requests.includes('/x'), 'the page requested /x');
      // the answer and its highlight are kept in the page state
      const state = await page.evaluate(() => window.__state);
      assert(state?.answer?.result.status === 200 && JSON.stringify(state.answer.highlight) === JSON.stringify(sim.highlight), `the answer was not saved with setState: ${JSON.stringify(state).slice(0, 300)}`);
      await page.screenshot({ path: path.join(resultsDir, 'simulation.png'), fullPage: true });
    },
  },
  {
    name: 'a denied request: the headline and the decision in the error colour',
    async run({ page }) {
      await send(page, realSimulationMessage(DENIED_REQUEST));
      await until('the denied answer', async () => (await page.locator('#answer .headline').textContent()) ?? '', (t) => t === 'Status 403 (denied by authorization)');
      const bad = await texts(page, '#answer .bad');
      assert(bad.some((t) => t.startsWith('Status 403')) && bad.some((t) => t.startsWith('DENY (ALLOW policies apply but none matches: shop/')), `the failing parts are not marked: ${JSON.stringify(bad)}`);
      const colour = await page.locator('#answer .headline').evaluate((e: El) => getComputedStyle(e).getPropertyValue('color'));
      assert(colour === 'rgb(248, 81, 73)', `the denied headline is ${colour}, expected the errorForeground colour`);
    },
  },
  {
    name: 'unreachable rules and broken references are drawn in the error colour',
    async run({ page }) {
      const stroke = (id: string) => page.locator(`#root svg g.node[data-id="${id.replace(/"/g, '\\"')}"] rect`).evaluate((e: El) => getComputedStyle(e).stroke);
      const cls = (id: string) => page.locator(`#root svg g.node[data-id="${id.replace(/"/g, '\\"')}"]`).getAttribute('class');
      assert(/\bunreachable\b/.test((await cls(RULE_IDS.unreachable)) ?? ''), `rule 2 is not marked unreachable: ${await cls(RULE_IDS.unreachable)}`);
      assert(/\bbroken\b/.test((await cls(BROKEN_BACKEND_ID)) ?? ''), `the v9 backend is not marked broken: ${await cls(BROKEN_BACKEND_ID)}`);
      const error = 'rgb(229, 20, 0)'; // --vscode-editorError-foreground of the test theme
      for (const id of [RULE_IDS.unreachable, BROKEN_BACKEND_ID]) {
        const s = await stroke(id);
        assert(s === error, `${id} is drawn with ${s}, expected the error colour ${error}`);
      }
      const normal = await stroke(RULE_IDS.skipped);
      assert(normal !== error, 'an ordinary rule is drawn in the error colour too');
    },
  },
  {
    name: 'errors with HTML render as text',
    async run({ page, served }) {
      await send(page, { type: 'error', message: P1 + P2 });
      await until('the error to show', async () => (await page.locator('#answer .error').textContent()) ?? '', (t) => t === P1 + P2);
      await settle(page);
      const ins = await inserted(page);
      assert(ins.length === 0, `elements were created from the error: ${JSON.stringify(ins)}`);
      assert(!served.requests.includes('/x'), 'the page requested /x');
      // back to the graph for the next tests
      await send(page, hostileGraph());
      await until('the graph', () => page.locator('#root svg g.node').count(), (n) => n === 5);
    },
  },
  {
    name: 'the CSP blocks an injected inline script and inline handlers',
    async run({ page }) {
      const before = (await violations(page)).length;
      const ran = (await page.evaluate(`new Promise((resolve) => {
        const s = document.createElement('script');
        s.textContent = 'window.__pwned = 1';
        document.body.append(s);
        const d = document.createElement('div');
        d.innerHTML = '<img src="/csp-probe" onerror="window.__pwned2 = 1">';
        const img = d.querySelector('img');
        const finish = () => setTimeout(() => resolve({ script: window.__pwned === 1, handler: window.__pwned2 === 1 }), 50);
        img.addEventListener('error', finish);
        img.addEventListener('load', finish);
        document.body.append(d);
        setTimeout(finish, 3000);
      })`)) as { script: boolean; handler: boolean };
      assert(!ran.script, 'an inline <script> without the nonce ran: the CSP does not block it');
      assert(!ran.handler, 'an inline onerror handler ran: the CSP does not block it');
      const v = await until('securitypolicyviolation events for the script and the handler', async () => (await violations(page)).slice(before), (x) => x.length >= 2, 3_000);
      assert(v.every((x) => /^script-src/.test(x.directive)), `unexpected violated directives: ${JSON.stringify(v)}`);
      await page.evaluate(() => document.querySelectorAll('body > script:not([nonce]), body > div:not(#root)').forEach((e) => e.remove()));
    },
  },
  {
    name: 'clicking a node posts "reveal" with its id',
    async run({ page }) {
      await clearPosted(page);
      await page.locator(`#root svg g.node[data-id="route:${P1.replace(/"/g, '\\"')}"]`).click();
      const msgs = await until('a posted reveal message', () => posted(page), (m) => m.some((x) => x.type === 'reveal'));
      const reveal = msgs.find((x) => x.type === 'reveal');
      assert(JSON.stringify(reveal) === JSON.stringify({ type: 'reveal', id: NODE_IDS.route }), `posted ${JSON.stringify(reveal)}`);
      assert(parseWebviewMessage(reveal).message?.type === 'reveal', `the extension would reject ${JSON.stringify(reveal)}: ${parseWebviewMessage(reveal).error}`);
    },
  },
  {
    name: 'Enter on a focused node posts "reveal"',
    async run({ page }) {
      await clearPosted(page);
      const node = page.locator('#root svg g.node').filter({ has: page.locator('text.label', { hasText: P2 }) }).first();
      await node.focus();
      const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-id'));
      assert(focused === NODE_IDS.rule, `focus is on ${JSON.stringify(focused)}, expected the node ${NODE_IDS.rule}`);
      await page.keyboard.press('Enter');
      const msgs = await until('a reveal message after Enter', () => posted(page), (m) => m.some((x) => x.type === 'reveal'));
      assert(JSON.stringify(msgs.find((x) => x.type === 'reveal')) === JSON.stringify({ type: 'reveal', id: NODE_IDS.rule }), `posted ${JSON.stringify(msgs)}`);
      // and Tab reaches the nodes from the form (keyboard users)
      await clearPosted(page);
      await page.locator('#export-png').focus();
      let reached: string | null | undefined;
      for (let i = 0; i < 4 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => (document.activeElement?.classList.contains('node') ? document.activeElement.getAttribute('data-id') : null));
      }
      assert(reached, 'Tab from the toolbar does not reach a node');
      await page.keyboard.press('Enter');
      const m2 = await until('a reveal message after Tab + Enter', () => posted(page), (m) => m.some((x) => x.type === 'reveal'));
      assert(m2.some((x) => x.type === 'reveal' && x.id === reached), `posted ${JSON.stringify(m2)}, expected reveal of ${reached}`);
    },
  },
  {
    name: 'the simulate form posts a well-formed "simulate" message',
    async run({ page }) {
      await clearPosted(page);
      const form = page.locator('form#simulate');
      await form.locator('input[name="host"]').fill('  reviews  ');
      await form.locator('input[name="port"]').fill('9080');
      await form.locator('input[name="method"]').fill('POST');
      await form.locator('input[name="path"]').fill('/api/books?id=1&q=a%20b');
      await form.locator('textarea[name="headers"]').fill(`End-User: jason\nx-payload: ${P1}\nnot a header`);
      await form.locator('input[name="sourceNamespace"]').fill('shop');
      await form.locator('input[name="sourcePrincipal"]').fill('cluster.local/ns/shop/sa/web');
      await form.locator('textarea[name="sourceLabels"]').fill('app=web\nversion = v2, team: a');
      await form.locator('input[name="gateway"]').fill('mesh');
      await form.locator('button[type="submit"]').click();
      const msgs = await until('a posted simulate message', () => posted(page), (m) => m.some((x) => x.type === 'simulate'));
      const sim = msgs.find((x) => x.type === 'simulate')!;
      const expected = {
        type: 'simulate',
        request: {
          host: 'reviews',
          port: 9080,
          method: 'POST',
          path: '/api/books',
          headers: { 'end-user': 'jason', 'x-payload': P1 },
          query: { id: '1', q: 'a b' },
          sourceNamespace: 'shop',
          sourcePrincipal: 'cluster.local/ns/shop/sa/web',
          sourceLabels: { app: 'web', version: 'v2', team: 'a' },
          gateway: 'mesh',
        },
      };
      assert(JSON.stringify(sim) === JSON.stringify(expected), `posted ${JSON.stringify(sim)}, expected ${JSON.stringify(expected)}`);
      const parsed = parseWebviewMessage(sim);
      assert(parsed.message?.type === 'simulate', `the extension's parseWebviewMessage rejects it: ${parsed.error}`);
      assert(page.url().endsWith('/index.html'), `the form submission navigated the page to ${page.url()}`);
      // the form keeps its values in the webview state (getState/setState)
      const state = await page.evaluate(() => window.__state);
      assert(state?.form?.sourceNamespace === 'shop' && state.form.sourcePrincipal === 'cluster.local/ns/shop/sa/web', `the form state was not saved with setState: ${JSON.stringify(state)}`);
      // a host the user typed is not replaced by the next preview's host
      await send(page, realGraphMessage());
      await until('the real graph', () => page.locator('#root svg g.node').count(), (n) => n > 5);
      const host = await form.locator('input[name="host"]').inputValue();
      assert(host === '  reviews  ', `the typed host was replaced by ${JSON.stringify(host)}`);
    },
  },
  {
    name: 'hidden and shown again (the page reloads): the form, the answer and the highlight come back',
    async run({ page }) {
      await send(page, realSimulationMessage());
      await until('the answer', async () => (await page.locator('#answer .headline').textContent()) ?? '', (t) => t === 'Status 200 (routed)');
      const before = await answerRows(page);
      await page.reload();
      await until('the reloaded page to post "ready"', () => posted(page), (m) => m.some((x) => x.type === 'ready'));
      // before any message: the saved answer is drawn from the state
      const after = await answerRows(page);
      assert(JSON.stringify(after) === JSON.stringify(before), `the answer was not restored: ${JSON.stringify(after).slice(0, 300)}`);
      const host = await page.locator('form#simulate input[name="host"]').inputValue();
      assert(host === '  reviews  ', `the form was not restored: host ${JSON.stringify(host)}`);
      // the panel sends the graph again on "ready": the saved highlight applies to it
      const graph = realGraphMessage();
      await send(page, graph);
      await until('the graph after the reload', () => page.locator('#root svg g.node').count(), (n) => n === graph.graph.nodes.length);
      const hl = await page.locator('#root svg .hl').evaluateAll((els: El[]) => els.map((e) => e.getAttribute('data-id')));
      assert(hl.includes(RULE_IDS.matched), `the highlight was not restored: ${JSON.stringify(hl)}`);
      // a state the page cannot draw (another version's) is dropped, not crashed on
      await page.evaluate(`sessionStorage.setItem('__vscodeState', JSON.stringify({ version: 2, form: { host: 'h' }, answer: { result: { summary: 'x' }, highlight: [] } }))`);
      await page.reload();
      await until('the page to post "ready" again', () => posted(page), (m) => m.some((x) => x.type === 'ready'));
      const rows = await page.locator('#answer dl').count();
      assert(rows === 0, 'a malformed saved answer was drawn');
      assert((await page.locator('form#simulate input[name="host"]').inputValue()) === 'h', 'the form of the malformed state was not kept');
    },
  },
];

/** Runs the tests; prints `ok - <prefix><name> (ms)` / `not ok - <prefix><name>: reason`. */
export async function runWebviewSuite(o: WebviewSuiteOptions): Promise<{ passed: number; failed: number }> {
  const prefix = o.prefix ?? 'webview: ';
  rmSync(o.resultsDir, { recursive: true, force: true });
  mkdirSync(o.resultsDir, { recursive: true });
  for (const f of ['main.js', 'style.css']) {
    try {
      readFileSync(path.join(o.distDir, f));
    } catch {
      o.log(`not ok - ${prefix}page: ${path.join(o.distDir, f)} is missing (run npm run build)`);
      return { passed: 0, failed: 1 };
    }
  }
  const served = await serve(o.distDir);
  const context = await o.browser.newContext({ viewport: { width: 2100, height: 700 } });
  const page = await context.newPage();
  page.setDefaultTimeout(5_000);
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  let passed = 0;
  let failed = 0;
  try {
    await page.goto(served.url);
    const env: Env = { page, served, dialogs, resultsDir: o.resultsDir };
    const all: Test[] = [
      ...tests,
      {
        name: 'no dialog (alert) fired and no page error',
        async run() {
          await settle(page);
          assert(dialogs.length === 0, `dialogs fired: ${JSON.stringify(dialogs)}`);
          assert(pageErrors.length === 0, `page errors: ${JSON.stringify(pageErrors)}`);
        },
      },
    ];
    for (const t of all) {
      const ts = Date.now();
      try {
        await t.run(env);
        o.log(`ok - ${prefix}${t.name} (${Date.now() - ts} ms)`);
        passed++;
      } catch (e) {
        const shot = path.join(o.resultsDir, `failed-${passed + failed + 1}.png`);
        await page.screenshot({ path: shot }).catch(() => undefined);
        o.log(`not ok - ${prefix}${t.name}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]} [screenshot ${path.relative(ROOT, shot)}]`);
        failed++;
      }
    }
  } catch (e) {
    o.log(`not ok - ${prefix}page: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    failed++;
  } finally {
    await context.close().catch(() => undefined);
    await served.close();
  }
  return { passed, failed };
}
