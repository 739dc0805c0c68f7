import { Annotations, Duration, Validations } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  CONTENT_SECURITY_POLICY,
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from '../lambda/core/site-headers.js';
import { DirectoryIndexFunction } from './directory-index.js';
import { CATALOG_KEY, LATEST_FILES_PATTERN } from '../lambda/core/site-keys.js';

/** A custom domain for the site: the name and an ACM certificate (us-east-1) covering it. */
export interface SiteDomain {
  readonly domainName: string;
  readonly certificate: acm.ICertificate;
}

/** Properties of a {@link SiteDistribution}. */
export interface SiteDistributionProps {
  /** The published tree; read through origin access control only. */
  readonly siteBucket: s3.IBucket;
  /** Bucket receiving CloudFront standard logs (ACLs enabled). */
  readonly accessLogBucket: s3.IBucket;
  /**
   * Custom domain and certificate.
   *
   * @default - the distribution's own `*.cloudfront.net` name
   */
  readonly domain?: SiteDomain;
}

/** Paths whose content changes in place: capped at five minutes at the edge whatever the object says. */
export const MUTABLE_PATH_PATTERNS = [
  CATALOG_KEY,
  'catalog.jsonld',
  'feed.xml',
  '*.html',
  LATEST_FILES_PATTERN,
] as const;

/** Edge and browser lifetime of files that change in place (`latest/`, catalog, HTML, feed). */
export const MUTABLE_TTL = Duration.minutes(5);
/** Edge and browser lifetime of immutable version files. */
export const IMMUTABLE_TTL = Duration.days(365);

/**
 * The public face of the site: static URLs over HTTPS (HTTP/2 and HTTP/3),
 * `index.html` for directory paths, CORS for `GET`/`HEAD` from any origin
 * (with `Range`), compression, security headers, and the cache behaviour of
 * the publishing protocol: each object carries its own `Cache-Control`
 * (immutable versions one year, everything else five minutes), which the edge
 * honours, and the paths that change in place are additionally capped at five
 * minutes at the edge.
 */
export class SiteDistribution extends Construct {
  readonly distribution: cloudfront.IDistribution;
  /** `https://<domain>/`, with a trailing slash. */
  readonly siteUrl: string;

  constructor(scope: Construct, id: string, props: SiteDistributionProps) {
    super(scope, id);

    const origin = origins.S3BucketOrigin.withOriginAccessControl(props.siteBucket, {
      // LIST lets S3 answer 404 (not 403) for a missing file, which is what a downloader expects.
      originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
    });
    const cachePolicy = (policyId: string, comment: string, maxTtl: Duration): cloudfront.CachePolicy =>
      new cloudfront.CachePolicy(this, policyId, {
        comment,
        minTtl: Duration.seconds(0),
        defaultTtl: MUTABLE_TTL,
        maxTtl,
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
        queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
        headerBehavior: cloudfront.CacheHeaderBehavior.none(),
        cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      });
    const publishedFiles = cachePolicy(
      'PublishedFilesCachePolicy',
      "Honours each object's Cache-Control: immutable versions a year, the rest five minutes",
      IMMUTABLE_TTL,
    );
    const mutableFiles = cachePolicy(
      'MutableFilesCachePolicy',
      'latest/, catalog, HTML and feed: five minutes at most',
      MUTABLE_TTL,
    );
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'ResponseHeaders', {
      comment: 'Open-data CORS and security headers',
      corsBehavior: {
        accessControlAllowOrigins: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
        accessControlAllowHeaders: [...CORS_ALLOWED_HEADERS],
        accessControlExposeHeaders: [...CORS_EXPOSED_HEADERS],
        accessControlAllowCredentials: false,
        accessControlMaxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
        originOverride: true,
      },
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        // Shared with `opendata serve`: the pages run no script and load nothing from elsewhere.
        contentSecurityPolicy: { contentSecurityPolicy: CONTENT_SECURITY_POLICY, override: true },
      },
    });
    const directoryIndex = new DirectoryIndexFunction(this, 'DirectoryIndex');
    const behavior = (policy: cloudfront.ICachePolicy): cloudfront.BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
      cachePolicy: policy,
      originRequestPolicy: cloudfront.OriginRequestPolicy.CORS_S3_ORIGIN,
      responseHeadersPolicy: headers,
      compress: true,
      functionAssociations: [
        { function: directoryIndex.function, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
      ],
    });

    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'kz-az-open-data published tree',
      defaultBehavior: behavior(publishedFiles),
      additionalBehaviors: Object.fromEntries(
        MUTABLE_PATH_PATTERNS.map((pattern) => [pattern, behavior(mutableFiles)]),
      ),
      // Also rewritten by the directory-index function; set so that "/" can never list the bucket.
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      enableLogging: true,
      logBucket: props.accessLogBucket,
      logFilePrefix: 'cloudfront/',
      ...(props.domain === undefined
        ? {}
        : {
            domainNames: [props.domain.domainName],
            certificate: props.domain.certificate,
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }),
    });
    Annotations.of(distribution).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      'defaultRootObject is index.html and the directory-index function rewrites every directory path to its index.html, so no viewer request reaches S3 as a bucket listing; LIST is granted only so that a missing file answers 404.',
    );
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Open data for everyone: the datasets are published for readers in every country, so no geographic restriction applies.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'The only origin is a private S3 bucket of static, public, read-only files behind OAC; there is no application for a WAF to protect, and CloudFront absorbs volumetric load.',
    });
    if (props.domain === undefined) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose minimum TLS version CloudFront does not let us set; with a custom domain TLSv1.2_2021 is enforced.',
      });
    }

    this.distribution = distribution;
    this.siteUrl = `https://${props.domain?.domainName ?? distribution.distributionDomainName}/`;
  }
}
