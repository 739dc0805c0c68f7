import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { PutObjectCommandInput, S3ClientConfig } from '@aws-sdk/client-s3';
import type { ObjectInfo, ObjectMeta, ObjectStore, StoredObject } from '../core/object-store.js';
import { assertReplaceable, ObjectStoreError } from '../core/object-store.js';

export interface S3StoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Folder inside the bucket holding the site (`site` or `site/`); keys are relative to it. */
  readonly prefix?: string;
}

/** How often a create-only write is retried after S3 reports a concurrent conditional write (409). */
const CONFLICT_RETRIES = 3;

/**
 * An {@link ObjectStore} over an S3 bucket (or a folder of one), using S3 conditional writes:
 * `If-None-Match: *` for create-only and `If-Match: <etag>` for compare-and-swap.
 * ETags are S3's own (quoted MD5 hex for single-part uploads), passed through unchanged.
 */
export class S3Store implements ObjectStore {
  readonly bucket: string;
  /** Normalised: empty, or ends with exactly one `/` and has no leading `/`. */
  readonly prefix: string;
  readonly #client: S3Client;

  constructor(options: S3StoreOptions) {
    this.#client = options.client;
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
    this.prefix = prefix === '' ? '' : `${prefix}/`;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.#s3Key(key) }),
      );
      if (response.Body === undefined) throw new Error('response has no body');
      const body = await response.Body.transformToByteArray();
      return {
        contentType: response.ContentType ?? 'application/octet-stream',
        cacheControl: response.CacheControl ?? '',
        bytes: body.byteLength,
        etag: requireEtag(response.ETag),
        ...lastModified(response.LastModified),
        body,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#error('get', key, error);
    }
  }

  async open(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    try {
      const response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.#s3Key(key) }),
      );
      if (response.Body === undefined) throw new Error('response has no body');
      // In Node the body is a Readable: it yields the object as it arrives.
      return response.Body as unknown as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#error('get', key, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const response = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.#s3Key(key) }),
      );
      return {
        contentType: response.ContentType ?? 'application/octet-stream',
        cacheControl: response.CacheControl ?? '',
        bytes: response.ContentLength ?? 0,
        etag: requireEtag(response.ETag),
        ...lastModified(response.LastModified),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#error('head', key, error);
    }
  }

  async putIfAbsent(key: string, body: Uint8Array, meta: ObjectMeta): Promise<'created' | 'exists'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#client.send(
          new PutObjectCommand({ ...this.#putInput(key, body, meta), IfNoneMatch: '*' }),
        );
        return 'created';
      } catch (error) {
        if (statusOf(error) === 412) return 'exists';
        // 409: another conditional write to this key is in flight and its outcome is unknown;
        // AWS advises retrying, which yields 412 if that write succeeded.
        if (statusOf(error) === 409 && attempt < CONFLICT_RETRIES) {
          await sleep(50 * 2 ** attempt);
          continue;
        }
        throw this.#error('create', key, error);
      }
    }
  }

  async putIfMatch(
    key: string,
    body: Uint8Array,
    meta: ObjectMeta,
    etag: string | undefined,
  ): Promise<{ status: 'written'; etag: string } | { status: 'conflict' }> {
    assertReplaceable(key);
    const condition = etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag };
    try {
      const response = await this.#client.send(
        new PutObjectCommand({ ...this.#putInput(key, body, meta), ...condition }),
      );
      return { status: 'written', etag: requireEtag(response.ETag) };
    } catch (error) {
      // 412: the ETag no longer matches (or, with `If-None-Match`, the key exists);
      // 409: a concurrent conditional write won; 404: `If-Match` on a key that is gone.
      const status = statusOf(error);
      if (status === 412 || status === 409 || (etag !== undefined && isNotFound(error))) {
        return { status: 'conflict' };
      }
      throw this.#error('conditionally replace', key, error);
    }
  }

  async put(key: string, body: Uint8Array, meta: ObjectMeta): Promise<void> {
    assertReplaceable(key);
    try {
      await this.#client.send(new PutObjectCommand(this.#putInput(key, body, meta)));
    } catch (error) {
      throw this.#error('put', key, error);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    try {
      const pages = paginateListObjectsV2(
        { client: this.#client },
        { Bucket: this.bucket, Prefix: this.prefix + prefix },
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key?.startsWith(this.prefix)) yield object.Key.slice(this.prefix.length);
        }
      }
    } catch (error) {
      throw this.#error('list', prefix, error);
    }
  }

  #s3Key(key: string): string {
    return this.prefix + key;
  }

  #putInput(key: string, body: Uint8Array, meta: ObjectMeta): PutObjectCommandInput {
    return {
      Bucket: this.bucket,
      Key: this.#s3Key(key),
      Body: body,
      ContentLength: body.byteLength,
      ContentType: meta.contentType,
      CacheControl: meta.cacheControl,
      // S3 verifies it and rejects a body damaged in transit.
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
    };
  }

  #error(action: string, key: string, cause: unknown): ObjectStoreError {
    const detail = cause instanceof Error ? `: ${cause.name}: ${cause.message}` : '';
    return new ObjectStoreError(`could not ${action} s3://${this.bucket}/${this.#s3Key(key)}${detail}`, key, {
      cause,
    });
  }
}

/**
 * An S3 client for {@link S3Store}. With `endpoint` (MinIO, moto, LocalStack) it uses path-style
 * URLs. Checksums are computed and validated only when an operation requires them, so
 * S3-compatible servers that do not implement the newer flexible checksums still work.
 */
export function createS3Client(options: {
  endpoint?: string;
  region?: string;
  credentials?: S3ClientConfig['credentials'];
}): S3Client {
  return new S3Client({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = error.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata)) return undefined;
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

function isNotFound(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined;
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(error) === 404 && name !== 'NoSuchBucket');
}

/** `LastModified` as an optional field: absent rather than `undefined` when S3 sent none. */
function lastModified(value: Date | undefined): { lastModified?: Date } {
  return value === undefined ? {} : { lastModified: value };
}

function requireEtag(etag: string | undefined): string {
  if (etag === undefined || etag === '') throw new Error('S3 returned no ETag');
  return etag;
}
