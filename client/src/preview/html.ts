/**
 * The routing preview's HTML page and its Content-Security-Policy. Kept apart from panel.ts (no 'vscode' import)
 * so the webview tests serve the very page the panel sets, CSP included.
 */
import { randomBytes } from 'node:crypto';

export interface PreviewPageOptions {
  /** `webview.cspSource`: the origin the page's own resources load from. */
  cspSource: string;
  /** A fresh nonce per page (see `newNonce`): only scripts carrying it run. */
  nonce: string;
  /** URL of the webview bundle (dist/webview/main.js). */
  scriptUri: string;
  /** URL of its stylesheet (dist/webview/style.css). */
  styleUri: string;
}

/** 128 random bits, base64. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Nothing by default; images, styles and fonts from the extension's own webview folder only (images may also be
 * data:/blob:, for the PNG export); scripts only with the nonce (no inline handlers, no eval, nothing remote).
 */
export function previewCsp(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `img-src ${cspSource} data: blob:`, `style-src ${cspSource}`, `script-src 'nonce-${nonce}'`, `font-src ${cspSource}`].join('; ');
}

function attr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function previewHtml(o: PreviewPageOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(previewCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>Mesh routing</title>
</head>
<body>
<div id="root"></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}
