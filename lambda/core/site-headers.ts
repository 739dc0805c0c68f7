/**
 * The response headers of the public site, one definition for both places that
 * serve it: the CloudFront response headers policy (`lib/site-distribution.ts`)
 * and the local preview server (`bin/site-server.ts`), so that a page that
 * works under `opendata serve` works the same in production.
 */

/** `Cache-Control` of files inside `datasets/<id>/<version>/`: they never change. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** `Cache-Control` of everything that moves: `latest/`, catalog files, HTML, feed, and redirects. */
export const MUTABLE_CACHE = 'public, max-age=300';

/**
 * The Content-Security-Policy of every response. The published pages are
 * self-contained: one inline `<style>` element, inline SVG charts, a `data:`
 * favicon, links to files of the same site, and JSON-LD in a
 * `<script type="application/ld+json">` data block (which is never executed,
 * so `script-src` does not apply to it). They run no script at all, so
 * `script-src 'none'`: an injected `<script>` or event-handler attribute would
 * not run. Inline styles stay allowed because the stylesheet is inline; a style
 * cannot run code.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'none'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** `Referrer-Policy`: other sites see the origin only, and nothing over a downgrade to HTTP. */
export const REFERRER_POLICY = 'strict-origin-when-cross-origin';

/** `X-Frame-Options` for browsers that predate `frame-ancestors`: no page is framed. */
export const FRAME_OPTIONS = 'DENY';

/**
 * The security headers sent with every response, as HTTP header names and
 * values. `Strict-Transport-Security` is not among them: it applies only over
 * HTTPS, which CloudFront adds and the loopback preview server does not speak.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': FRAME_OPTIONS,
  'Referrer-Policy': REFERRER_POLICY,
  'X-Content-Type-Options': 'nosniff',
};

/** Request headers a cross-origin page may send: `Range`, so that readers can fetch part of a large file. */
export const CORS_ALLOWED_HEADERS = ['Range'] as const;

/** Response headers a cross-origin page may read. */
export const CORS_EXPOSED_HEADERS = ['Content-Length', 'Content-Range', 'ETag', 'Accept-Ranges'] as const;

/** How long a browser may reuse a CORS preflight answer, in seconds (one day). */
export const CORS_MAX_AGE_SECONDS = 86_400;
