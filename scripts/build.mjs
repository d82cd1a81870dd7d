// Bundles the extension client, the language server and the CLI with esbuild.
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};

// The cluster code (@kubernetes/client-node) is its own bundle, loaded on the first cluster command, so that
// activation does not parse it.
const kubeApart = {
  name: 'kube-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/kube$/ }, (args) => (args.importer.includes('commands') ? { path: './kube.js', external: true } : undefined));
    // the language client is loaded after activation returns
    build.onResolve({ filter: /^\.\/lsp$/ }, (args) => (args.importer.endsWith('extension.ts') ? { path: './lsp.js', external: true } : undefined));
  },
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client/extension.js', external: ['vscode'], plugins: [kubeApart] }),
  esbuild.build({ ...common, entryPoints: ['client/src/kube/index.ts'], outfile: 'dist/client/kube.js' }),
  esbuild.build({ ...common, entryPoints: ['client/src/lsp.ts'], outfile: 'dist/client/lsp.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/src/server.ts'], outfile: 'dist/server/server.js' }),
  esbuild.build({ ...common, entryPoints: ['server/src/cli.ts'], outfile: 'dist/server/cli.js' }),
  // the routing preview page runs in the webview (a browser), not in Node
  esbuild.build({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['client/src/preview/webview/main.ts'], outfile: 'dist/webview/main.js' }),
]);
fs.mkdirSync('dist/webview', { recursive: true });
fs.copyFileSync('client/src/preview/webview/style.css', 'dist/webview/style.css');
console.log(`built dist/ (${production ? 'production' : 'development'})`);
