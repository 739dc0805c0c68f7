import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SiteDistribution } from '../../lib/site-distribution.js';
import { makeServeTree, startServer, type RunningServer } from './serve-fixture.js';
import { testApp } from '../infra/app-fixture.js';

interface PolicyConfig {
  CorsConfig: {
    AccessControlAllowHeaders: { Items: string[] };
    AccessControlExposeHeaders: { Items: string[] };
    AccessControlMaxAgeSec: number;
  };
  SecurityHeadersConfig: {
    ContentSecurityPolicy: { ContentSecurityPolicy: string };
    FrameOptions: { FrameOption: string };
    ReferrerPolicy: { ReferrerPolicy: string };
    ContentTypeOptions: { Override: boolean };
  };
}

let site: RunningServer;
let policy: PolicyConfig;

beforeAll(async () => {
  site = await startServer((await makeServeTree()).root);
  const stack = new Stack(testApp(), 'Site');
  new SiteDistribution(stack, 'Site', {
    siteBucket: new s3.Bucket(stack, 'Published'),
    accessLogBucket: new s3.Bucket(stack, 'Logs', { objectOwnership: s3.ObjectOwnership.OBJECT_WRITER }),
  });
  const policies = Template.fromStack(stack).findResources('AWS::CloudFront::ResponseHeadersPolicy');
  const [only] = Object.values(policies) as { Properties: { ResponseHeadersPolicyConfig: PolicyConfig } }[];
  if (only === undefined) throw new Error('no ResponseHeadersPolicy in the synthesized stack');
  policy = only.Properties.ResponseHeadersPolicyConfig;
});

afterAll(async () => {
  await site.close();
});

describe('opendata serve and CloudFront send the same headers', () => {
  it('security headers: CSP, frame options, referrer policy, nosniff', async () => {
    const page = await fetch(`${site.base}/`);
    const security = policy.SecurityHeadersConfig;

    expect(page.headers.get('content-security-policy')).toBe(
      security.ContentSecurityPolicy.ContentSecurityPolicy,
    );
    expect(page.headers.get('x-frame-options')).toBe(security.FrameOptions.FrameOption);
    expect(page.headers.get('referrer-policy')).toBe(security.ReferrerPolicy.ReferrerPolicy);
    expect(security.ContentTypeOptions.Override).toBe(true);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('CORS: the request headers allowed, the response headers exposed, the preflight lifetime', async () => {
    const preflight = await fetch(`${site.base}/catalog.json`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://example.org', 'Access-Control-Request-Headers': 'range' },
    });
    const cors = policy.CorsConfig;

    expect(preflight.headers.get('access-control-allow-headers')).toBe(
      cors.AccessControlAllowHeaders.Items.join(', '),
    );
    expect(preflight.headers.get('access-control-expose-headers')).toBe(
      cors.AccessControlExposeHeaders.Items.join(', '),
    );
    expect(preflight.headers.get('access-control-max-age')).toBe(String(cors.AccessControlMaxAgeSec));
  });
});
