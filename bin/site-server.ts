import { createServer, type Server } from 'node:http';
import sirv from 'sirv';
import { objectMetaFor } from '../lambda/core/content-policy.js';

/**
 * An HTTP server for a published tree with the production headers: the same
 * content types and cache policies as S3/CloudFront (from `objectMetaFor`),
 * CORS `GET`/`HEAD` from any origin with `Range`, and byte ranges (sirv).
 */
export function createSiteServer(directory: string): Server {
  const files = sirv(directory, {
    dev: false,
    etag: true,
    dotfiles: false,
    extensions: [],
    setHeaders(response, pathname) {
      const key = pathname.replace(/^\/+/, '');
      const meta = objectMetaFor(key === '' || key.endsWith('/') ? `${key}index.html` : key);
      response.setHeader('Content-Type', meta.contentType);
      response.setHeader('Cache-Control', meta.cacheControl);
    },
  });
  return createServer((request, response) => {
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Access-Control-Allow-Methods', 'GET, HEAD');
    response.setHeader('Access-Control-Allow-Headers', 'Range');
    response.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, ETag');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    if (request.method === 'OPTIONS') {
      response.writeHead(204).end();
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD, OPTIONS' }).end();
      return;
    }
    files(request, response, () => {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(`404 Not Found: ${request.url ?? ''}\n`);
    });
  });
}
