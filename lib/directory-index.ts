import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';

/**
 * Viewer-request code (CloudFront Functions runtime `cloudfront-js-2.0`): a
 * directory path is served by its `index.html` (`/` → `/index.html`,
 * `/datasets/trade/` → `/datasets/trade/index.html`), and a path whose last
 * segment has no extension is redirected to the same path with a trailing
 * slash, so that relative links inside the page resolve under it. The
 * published tree has no extension-less files.
 */
export const DIRECTORY_INDEX_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
    return request;
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: {
        location: { value: uri + '/' },
        'cache-control': { value: 'public, max-age=300' },
      },
    };
  }
  return request;
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
