// Where an initial sync's bytes go: the headers Node's fetch sends, and a replay of the device's pull
// requests over a raw socket that splits each response into headers, chunk framing and compressed body,
// next to what other encodings of the same body, or of the device's stored documents, would weigh.
import net from 'node:net';
import { brotliCompressSync, constants, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import type { SyncRequest } from './sync-device';

/** The request head Node's fetch (undici) really sends, captured by a socket that answers 204. */
export async function fetchRequestHead(): Promise<{ head: string; acceptEncoding: string }> {
  let head = '';
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as net.AddressInfo;
    await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  } finally {
    server.close();
  }
  head = head.slice(0, head.indexOf('\r\n\r\n') + 4);
  const acceptEncoding = /^accept-encoding:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? '(none)';
  return { head, acceptEncoding };
}

interface Exchange {
  head: string;
  headBytes: number;
  framingBytes: number;
  encodedBytes: number;
  encoding: string;
  body: Buffer;
}

/** One request over its own connection; the whole response read raw and taken apart. */
function exchange(port: number, request: Buffer): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // No half-close: Node's HTTP server drops a connection whose client ended; `connection: close` ends it after the response.
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        const raw = Buffer.concat(chunks);
        const headEnd = raw.indexOf('\r\n\r\n') + 4;
        const head = raw.subarray(0, headEnd).toString('latin1');
        const encoding = /^content-encoding:\s*(\S+)/im.exec(head)?.[1] ?? 'identity';
        let rest = raw.subarray(headEnd);
        let encoded: Buffer;
        if (/^transfer-encoding:\s*chunked/im.test(head)) {
          const parts: Buffer[] = [];
          for (;;) {
            const lineEnd = rest.indexOf('\r\n');
            const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
            if (!size) break;
            parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
            rest = rest.subarray(lineEnd + 2 + size + 2);
          }
          encoded = Buffer.concat(parts);
        } else encoded = rest;
        const body = encoding === 'gzip' ? gunzipSync(encoded) : encoding === 'deflate' ? inflateSync(encoded) : encoded;
        resolve({ head, headBytes: headEnd, framingBytes: raw.length - headEnd - encoded.length, encodedBytes: encoded.length, encoding, body });
      } catch (e) {
        reject(e);
      }
    });
  });
}

export interface ByteReport {
  responses: number;
  headBytes: number;
  framingBytes: number;
  encodedBytes: number;
  encodings: string[];
  jsonBytes: number;
  /** Each response body through gzipSync (level 6, as the server's CompressionStream) and at level 9. */
  gzip6Bytes: number;
  gzip9Bytes: number;
  /** Each body through brotli at quality 5, a usual setting for responses compressed on the fly. */
  brotli5Bytes: number;
  /** Each body with nulls and `deleted: false` left out (what the device keeps), gzip level 6. */
  strippedGzipBytes: number;
  /** All response bodies as one gzip stream: what one response (or a shared dictionary) would cost. */
  oneStreamGzipBytes: number;
  tombstones: number;
}

const stripDoc = (doc: Record<string, unknown>) => Object.fromEntries(Object.entries(doc).filter(([k, v]) => v !== null && !(k === 'deleted' && v === false)));

/** Replays the recorded requests against the server directly, one connection each, with fetch's head. */
export async function replay(port: number, requests: readonly SyncRequest[], fetchHead: string, token: string): Promise<ByteReport> {
  // The head fetch sent, minus what differs per request.
  const common = fetchHead
    .split('\r\n')
    .slice(1)
    .filter((l) => l && !/^(host|content-length|connection|authorization):/i.test(l));
  const report: ByteReport = {
    responses: 0, headBytes: 0, framingBytes: 0, encodedBytes: 0, encodings: [], jsonBytes: 0, gzip6Bytes: 0, gzip9Bytes: 0,
    brotli5Bytes: 0, strippedGzipBytes: 0, oneStreamGzipBytes: 0, tombstones: 0,
  };
  const bodies: Buffer[] = [];
  for (const r of requests) {
    const body = Buffer.from(r.body);
    const head = [
      'POST /graphql HTTP/1.1', `host: 127.0.0.1:${port}`, ...common, `authorization: Bearer ${token}`, `content-length: ${body.length}`, 'connection: close', '', '',
    ].join('\r\n');
    const x = await exchange(port, Buffer.concat([Buffer.from(head, 'latin1'), body]));
    report.responses++;
    report.headBytes += x.headBytes;
    report.framingBytes += x.framingBytes;
    report.encodedBytes += x.encodedBytes;
    if (!report.encodings.includes(x.encoding)) report.encodings.push(x.encoding);
    report.jsonBytes += x.body.length;
    report.gzip6Bytes += gzipSync(x.body).length;
    report.gzip9Bytes += gzipSync(x.body, { level: 9 }).length;
    report.brotli5Bytes += brotliCompressSync(x.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }).length;
    if (x.body.length === 0) throw new Error(`${r.operation}: no response body; the head was ${JSON.stringify(x.head)}`);
    const data = (JSON.parse(x.body.toString('utf8')) as { data?: Record<string, { documents: Record<string, unknown>[]; checkpoint: unknown }> }).data ?? {};
    const stripped = Object.fromEntries(
      Object.entries(data).map(([field, bulk]) => {
        report.tombstones += bulk.documents.filter((d) => d.deleted === true).length;
        return [field, { ...bulk, documents: bulk.documents.map(stripDoc) }];
      }),
    );
    report.strippedGzipBytes += gzipSync(JSON.stringify({ data: stripped })).length;
    bodies.push(x.body);
  }
  report.oneStreamGzipBytes = gzipSync(Buffer.concat(bodies)).length;
  return report;
}
