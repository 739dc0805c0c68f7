import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { MUTABLE_CACHE } from '../lambda/core/site-headers.js';
import { DATASET_SUBFOLDER_PATH } from '../lambda/core/site-keys.js';

/**
 * Viewer-request code (CloudFront Functions runtime `cloudfront-js-2.0`): a
 * directory path is served by its `index.html` (`/` → `/index.html`,
 * `/datasets/trade/` → `/datasets/trade/index.html`), and a path whose last
 * segment has no extension is redirected to the same path with a trailing
 * slash, so that relative links inside the page resolve under it. The
 * published tree has no extension-less files. A folder of a dataset's files
 * (`/datasets/trade/latest/`, a version's folder), which has no page, is
 * redirected (302) to the dataset's page, which lists them.
 *
 * A path with an empty segment, a backslash or anything but printable ASCII
 * is answered 404, as `serve` answers it: no key has one, a redirect that kept
 * it (`//host/…`) would send a browser to another site, and a `Location` header
 * holds printable ASCII only. A redirect keeps the query string exactly as
 * it was sent (`rawQueryString()`, unparsed and unaltered), when it is plain
 * printable ASCII, as a `Location` header may hold; otherwise it is dropped.
 */
export const DIRECTORY_INDEX_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (/\\/\\/|\\\\|[^\\x21-\\x7e]/.test(uri)) {
    return { statusCode: 404, statusDescription: 'Not Found' };
  }
  var subfolder = uri.match(new RegExp(${JSON.stringify(DATASET_SUBFOLDER_PATH)}));
  if (subfolder) {
    return redirect(302, 'Found', subfolder[1] + query(request));
  }
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
    return request;
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    return redirect(301, 'Moved Permanently', uri + '/' + query(request));
  }
  return request;
}

function query(request) {
  var raw = typeof request.rawQueryString === 'function' ? request.rawQueryString() : undefined;
  return typeof raw === 'string' && /^[\\x21-\\x7e]+$/.test(raw) ? '?' + raw : '';
}

function redirect(statusCode, statusDescription, location) {
  return {
    statusCode: statusCode,
    statusDescription: statusDescription,
    headers: {
      location: { value: location },
      'cache-control': { value: ${JSON.stringify(MUTABLE_CACHE)} },
    },
  };
}
`;

/** The CloudFront Function that maps directory paths to their `index.html`. */
export class DirectoryIndexFunction extends Construct {
  readonly function: cloudfront.IFunction;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.function = new cloudfront.Function(this, 'Function', {
      code: cloudfront.FunctionCode.fromInline(DIRECTORY_INDEX_CODE),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'Serves index.html for directory paths of the published tree',
    });
  }
}
