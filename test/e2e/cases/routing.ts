// f-routing-preview: "Mesh: Preview Routing" opens the routing webview for a
// VirtualService; its graph shows the rules, the subsets and the 90/10 split;
// the simulator sends jason to v2; the CodeLens above the VirtualService shows
// the split and opens the preview.
//
// Fixture: shop-routes.yaml (VirtualService reviews in namespace shop: rule
// "jason" on header end-user: jason -> v2, rule "canary" 90% v1 / 10% v2) and
// shop-backends.yaml (Service reviews, Deployments reviews-v1/-v2, the
// DestinationRule with subsets v1 and v2).
import type { FrameLocator, Page } from 'playwright-core';
import { type DomElement, type Workbench, waitFor, waitUntil } from '../lib/workbench';
import { retryOnce, type Scenario, type ScenarioContext } from '../lib/scenario';

export const VS_FILE = 'shop-routes.yaml';
export const BACKENDS_FILE = 'shop-backends.yaml';
const NAMESPACE = 'shop';
/** The routing summary the CodeLens above the VirtualService shows. */
const LENS_SPLIT = '90% v1 / 10% v2';

/**
 * The routing preview's page. A webview is an iframe (`iframe.webview`) whose
 * document holds another iframe (`#active-frame`) with the extension's HTML.
 */
export function previewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview').first().frameLocator('#active-frame');
}

interface SvgItem {
  id: string;
  cls: string;
  text: string;
}

interface DomSvgElement extends DomElement {
  querySelectorAll(sel: string): ArrayLike<{ textContent: string | null }>;
}

async function svgItems(view: FrameLocator, selector: string): Promise<SvgItem[]> {
  return view.locator(selector).evaluateAll((els: DomSvgElement[]) =>
    els.map((e) => ({
      id: e.getAttribute('data-id') ?? '',
      cls: e.getAttribute('class') ?? '',
      // the visible text lines (not the <title> tooltip)
      text: Array.from(e.querySelectorAll('text'))
        .map((t) => t.textContent ?? '')
        .join(' | '),
    })),
  );
}

const show = (items: SvgItem[]) => JSON.stringify(items.map((i) => `${i.cls.replace(/\s+/g, '.')}: ${i.text}`)).slice(0, 600);

/** Waits for the preview to draw the reviews graph; returns its nodes and edges. */
async function waitForGraph(view: FrameLocator, timeoutMs = 30_000): Promise<{ nodes: SvgItem[]; edges: SvgItem[] }> {
  const nodes = await waitFor(
    'the routing preview webview to draw the graph (#root svg g.node) with the rules "jason" and "canary", the subsets v1 and v2 and their Deployments',
    () => svgItems(view, '#root svg g.node'),
    (ns) =>
      ns.some((n) => /\bnode-rule\b/.test(n.cls) && /jason/.test(n.text)) &&
      ns.some((n) => /\bnode-rule\b/.test(n.cls) && /canary/.test(n.text)) &&
      ns.some((n) => /\bnode-backend\b/.test(n.cls) && /\(v1\)/.test(n.text)) &&
      ns.some((n) => /\bnode-backend\b/.test(n.cls) && /\(v2\)/.test(n.text)) &&
      ns.some((n) => /\bnode-workload\b/.test(n.cls) && /reviews-v1/.test(n.text)) &&
      ns.some((n) => /\bnode-workload\b/.test(n.cls) && /reviews-v2/.test(n.text)),
    timeoutMs,
    show,
  );
  const edges = await svgItems(view, '#root svg g.edge');
  return { nodes, edges };
}

async function previewTabClose(wb: Workbench): Promise<void> {
  const tab = wb.page.locator('.tabs-container .tab', { hasText: 'Routing' });
  if (!(await tab.count())) return;
  await tab.first().hover();
  await tab.first().locator('.tab-actions .action-label').first().click();
  await waitUntil('the routing preview (iframe.webview) to close', async () => (await wb.page.locator('iframe.webview').count()) === 0, 10_000);
}

export const routingPreview: Scenario = {
  name: 'f-routing-preview',
  async run(ctx: ScenarioContext) {
    const { wb, log } = ctx;
    const view = previewFrame(wb.page);
    // Open the backends first: an open document is in the server's index at once, whereas the background
    // indexing of the workspace may not have finished yet when this scenario runs first (--only), and the
    // preview does not redraw when it finishes.
    await wb.openFile(BACKENDS_FILE);
    await wb.openFile(VS_FILE);

    // 1. The command from the palette opens the webview with the graph.
    const graph = await retryOnce(ctx, 'opening the routing preview from the palette', 'f-routing-preview', async () => {
      await wb.focusEditor(VS_FILE);
      await wb.runCommand('Mesh: Preview Routing');
      return waitForGraph(view);
    });
    const edgeWith = (pct: string) => graph.edges.find((e) => new RegExp(`(^|[^\\d])${pct}%`).test(e.text));
    const e90 = edgeWith('90');
    const e10 = edgeWith('10');
    if (!e90 || !e10) throw new Error(`the graph has no edge labelled 90% and one labelled 10%; edges: ${show(graph.edges)}`);
    // the ids name the edge's ends: the 90% edge leads to subset v1, the 10% one to v2
    if (!/v1/.test(e90.id) || !/v2/.test(e10.id)) throw new Error(`the 90% edge should lead to v1 and the 10% edge to v2: 90% ${e90.id}, 10% ${e10.id}`);
    log(`# graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges; 90%: ${JSON.stringify(e90.text)}, 10%: ${JSON.stringify(e10.text)}`);

    // 2. The simulator: jason goes to v2, all of him.
    const form = view.locator('form#simulate');
    await form.locator('input[name="host"]').fill('reviews');
    await form.locator('textarea[name="headers"]').fill('end-user: jason');
    await form.locator('input[name="sourceNamespace"]').fill(NAMESPACE);
    await form.locator('button[type="submit"]').click();
    const answer = await waitFor(
      'the simulator answer (#answer) to send the request to subset v2 at 100%',
      async () => (await view.locator('#answer').innerText()).trim(),
      (t) => /\(v2\)[^\n]*\b100%/.test(t) && !/\(v1\)/.test(t),
      15_000,
    );
    const hl = await waitFor('highlighted nodes (g.node.hl) on the request\'s path', () => svgItems(view, '#root svg g.node.hl'), (h) => h.length > 0, 10_000, show);
    if (!hl.some((n) => /jason/.test(n.text) || /v2/.test(n.text))) throw new Error(`the highlighted nodes are neither the rule "jason" nor anything of v2: ${show(hl)}`);
    const hlEdges = await svgItems(view, '#root svg g.edge.hl');
    log(`# simulator: ${JSON.stringify(answer.replace(/\n/g, ' / '))}; highlighted: ${hl.map((n) => n.text.split(' | ')[0]).join(', ')} (+${hlEdges.length} edges)`);
    // the panel is narrow: bring the highlighted rule and the split into view for the screenshot
    await view.locator('#root svg g.node.hl').first().scrollIntoViewIfNeeded().catch(() => undefined);
    await wb.screenshot('f-routing-preview-simulated');

    // 3. The CodeLens above the VirtualService shows the split and opens the preview.
    await previewTabClose(wb);
    await wb.focusEditor(VS_FILE);
    const lens = wb.editor(VS_FILE).locator('.codelens-decoration a', { hasText: LENS_SPLIT });
    const lensText = await waitFor(
      `the CodeLens above the VirtualService to read "${LENS_SPLIT}"`,
      async () => (await wb.editor(VS_FILE).locator('.codelens-decoration').allInnerTexts()).join(' || '),
      (t) => t.includes(LENS_SPLIT),
      20_000,
    );
    log(`# CodeLens: ${JSON.stringify(lensText)}`);
    await retryOnce(ctx, 'opening the preview from the CodeLens', 'f-routing-preview-lens-click', async () => {
      await lens.first().click();
      await waitForGraph(view);
    });
    await view.locator('#root svg g.edge', { hasText: '90%' }).first().scrollIntoViewIfNeeded().catch(() => undefined);
    await wb.screenshot('f-routing-preview-lens');
    // The preview follows the active editor: close it so the next scenarios start without it.
    await previewTabClose(wb);
  },
};
