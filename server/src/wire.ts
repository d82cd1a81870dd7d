import type { ContentTypeEncoder, ContentTypeEncoderOptions, Message } from 'vscode-languageserver/node';

/**
 * Encoding of outgoing messages without serialising unchanged diagnostics again.
 *
 * LSP's `textDocument/publishDiagnostics` carries every diagnostic of a file, so after a one-character edit of a
 * large manifest the server would turn ~1,000 diagnostics into JSON (and that JSON into UTF-8) although one or none
 * of them changed: 1.5 ms and 1 MB of garbage per edit at 3,000 resources. The server keeps the LSP form of each
 * finding while the finding lives (see toLspDiagnostic); `remember` stores that form's UTF-8 JSON beside it, and
 * `encodeMessage` assembles a publish from those pieces. Every other message, and every diagnostic not remembered,
 * goes through JSON.stringify as the default encoder does; the bytes are the same either way.
 */

const encoded = new WeakMap<object, Buffer>();

/** Remembers the JSON of a diagnostic object that will not be mutated (it must stay as it is while it is used). */
export function remember<T extends object>(diagnostic: T): T {
  encoded.set(diagnostic, Buffer.from(JSON.stringify(diagnostic), 'utf8'));
  return diagnostic;
}

const COMMA = 0x2c; // ','
const MARK = '"diagnostics":[]';

function isPublish(msg: Message): msg is Message & { method: string; params: { diagnostics: object[] } } {
  const m = msg as { method?: unknown; params?: { diagnostics?: unknown } };
  return m.method === 'textDocument/publishDiagnostics' && !!m.params && Array.isArray(m.params.diagnostics);
}

/** The UTF-8 JSON of a message: byte for byte what JSON.stringify would give. */
export function encodeMessage(msg: Message): Buffer {
  if (!isPublish(msg) || msg.params.diagnostics.length < 8) return Buffer.from(JSON.stringify(msg), 'utf8');
  const { diagnostics } = msg.params;
  // The message with an empty list, split where the list goes. Only the key `diagnostics` of params can produce
  // the text `"diagnostics":[]`: inside a JSON string every quote is escaped.
  const shell = JSON.stringify({ ...msg, params: { ...msg.params, diagnostics: [] } });
  const at = shell.indexOf(MARK);
  if (at < 0 || shell.indexOf(MARK, at + 1) >= 0) return Buffer.from(JSON.stringify(msg), 'utf8');
  const cut = at + MARK.length - 1;
  const head = Buffer.from(shell.slice(0, cut), 'utf8');
  const tail = Buffer.from(shell.slice(cut), 'utf8');
  // the pieces, then one buffer of their total size (no list of pieces and commas to concatenate)
  const pieces = new Array<Buffer>(diagnostics.length);
  let size = head.length + tail.length + Math.max(0, diagnostics.length - 1);
  for (let i = 0; i < diagnostics.length; i++) {
    const d = diagnostics[i];
    // undefined, functions and symbols become null inside arrays, as JSON.stringify does
    const piece = encoded.get(d) ?? Buffer.from(JSON.stringify(d) ?? 'null', 'utf8');
    pieces[i] = piece;
    size += piece.length;
  }
  const out = Buffer.allocUnsafe(size);
  let pos = head.copy(out, 0);
  for (let i = 0; i < pieces.length; i++) {
    if (i) out[pos++] = COMMA;
    pos += pieces[i].copy(out, pos);
  }
  tail.copy(out, pos);
  return out;
}

/** The connection's JSON encoder (vscode-jsonrpc's StreamMessageWriter option); only UTF-8 is offered. */
export const jsonEncoder: ContentTypeEncoder = {
  name: 'application/json',
  encode(msg: Message, options: ContentTypeEncoderOptions): Promise<Uint8Array> {
    try {
      if (options.charset !== 'utf-8') return Promise.resolve(Buffer.from(JSON.stringify(msg), options.charset as BufferEncoding));
      return Promise.resolve(encodeMessage(msg));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  },
};
