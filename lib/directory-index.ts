import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { DATASET_SUBFOLDER_PATH } from '../lambda/core/site-keys.js';

/**
 * Viewer-request code (CloudFront Functions runtime `cloudfront-js-2.0`): a
 * directory path is served by its `index.html` (`/` → `/index.html`,
 * `/datasets/trade/` → `/datasets/trade/index.html`), and a path whose last
 * segment has no extension is redirected to the same path with a trailing
 * slash, so that relative links inside the page resolve under it. The
 * published tree has no extension-less files. A folder of a dataset's files
 * (`/datasets/trade/latest/`, a version's folder), which has no page, is
 * redirected (302) to the dataset's page, which lists them. A redirect keeps
 * the query string, rebuilt from the event's parameters as they arrived.
 */
export const DIRECTORY_INDEX_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var subfolder = uri.match(new RegExp(${JSON.stringify(DATASET_SUBFOLDER_PATH)}));
  if (subfolder) {
    return redirect(302, 'Found', '/datasets/' + subfolder[1] + '/' + query(request.querystring));
  }
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
    return request;
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    return redirect(301, 'Moved Permanently', uri + '/' + query(request.querystring));
  }
  return request;
}

function query(parameters) {
  var pairs = [];
  for (var name in parameters || {}) {
    var parameter = parameters[name];
    var values = parameter.multiValue ? parameter.multiValue : [parameter];
    for (var i = 0; i < values.length; i++) pairs.push(name + '=' + values[i].value);
  }
  return pairs.length === 0 ? '' : '?' + pairs.join('&');
}

function redirect(statusCode, statusDescription, location) {
  return {
    statusCode: statusCode,
    statusDescription: statusDescription,
    headers: {
      location: { value: location },
      'cache-control': { value: 'public, max-age=300' },
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
