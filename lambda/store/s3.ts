import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { PutObjectCommandInput, S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type {
  GetOptions,
  ObjectInfo,
  ObjectMeta,
  ObjectStore,
  PutBody,
  StoredObject,
  StreamedBody,
} from '../core/object-store.js';
import {
  assertReplaceable,
  bodyBytes,
  bodySha256,
  isStreamedBody,
  ObjectStoreError,
  ObjectTooLargeError,
  verifiedChunks,
} from '../core/object-store.js';
import { mapConcurrent } from '../core/concurrency.js';
import { prefixFolder } from '../core/relative-key.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS } from './network-timeouts.js';

export interface S3StoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Folder inside the bucket holding the site (`site` or `site/`); keys are relative to it. */
  readonly prefix?: string;
  /**
   * `putIfAbsent` and `put` send a body larger than this many bytes as a multipart upload, and
   * anything up to it in one `PutObject`. At least `partSizeBytes`, at most 5 GiB (S3's limit
   * for one `PutObject`).
   * @default 16 MiB
   */
  readonly multipartThresholdBytes?: number;
  /**
   * Size of each part of a multipart upload but the last: at least 5 MiB (S3's minimum), and
   * raised for a body that would otherwise need more than S3's 10,000 parts. Up to four parts
   * are in memory at once.
   * @default 8 MiB
   */
  readonly partSizeBytes?: number;
  /**
   * `copy` sends a source up to this many bytes as one `CopyObject`, and a larger one as a multipart
   * copy (`UploadPartCopy`): S3 copies the bytes either way. At most 5 GiB, S3's limit for one
   * `CopyObject`.
   * @default 5 GiB
   */
  readonly maxCopyObjectBytes?: number;
  /**
   * Size of each part of a multipart copy but the last: from 5 MiB to 5 GiB (S3's limits for a part),
   * raised for a source that would otherwise need more than S3's 10,000 parts.
   * @default 512 MiB
   */
  readonly copyPartSizeBytes?: number;
}

/** How often a create-only write is retried after S3 reports a concurrent conditional write (409). */
const CONFLICT_RETRIES = 3;

const MIB = 1024 * 1024;
const DEFAULT_MULTIPART_THRESHOLD_BYTES = 16 * MIB;
const DEFAULT_PART_SIZE_BYTES = 8 * MIB;
const MIN_PART_SIZE_BYTES = 5 * MIB;
const MAX_PARTS = 10_000;
const MAX_PUT_OBJECT_BYTES = 5 * 1024 * MIB;
const DEFAULT_COPY_PART_SIZE_BYTES = 512 * MIB;
/** Parts of a multipart copy S3 is asked to copy at once. */
const COPY_PART_CONCURRENCY = 4;

/** `If-None-Match: *` (create-only) or `If-Match: <etag>` (compare-and-swap); nothing for `put`. */
type WriteCondition = { readonly IfNoneMatch: '*' } | { readonly IfMatch: string } | Record<string, never>;

/**
 * An {@link ObjectStore} over an S3 bucket (or a folder of one), using S3 conditional writes:
 * `If-None-Match: *` for create-only and `If-Match: <etag>` for compare-and-swap.
 * ETags are S3's own (quoted MD5 hex for single-part uploads, `"<hex>-<parts>"` for multipart
 * ones), passed through unchanged.
 *
 * Bodies are sent as they are read, never held whole: a {@link StreamedBody} is streamed into the
 * request, and must give exactly the bytes and SHA-256 it declares or nothing is stored. Above
 * `multipartThresholdBytes`, `putIfAbsent` and `put` use a multipart upload (`@aws-sdk/lib-storage`)
 * whose `CompleteMultipartUpload` carries the same `If-None-Match: *`, so S3 refuses to complete it
 * over an existing object; a refused or failed upload is aborted, leaving no parts behind.
 * `putIfMatch` always sends one `PutObject` (so up to 5 GiB): S3 also honours `If-Match` on
 * `CompleteMultipartUpload`, but the S3-compatible servers the tests run against (moto 5.2) ignore
 * it there, so that path could not be verified; the catalog, its only user, is far smaller.
 */
export class S3Store implements ObjectStore {
  readonly bucket: string;
  /** Normalised: empty, or ends with exactly one `/` and has no leading `/`. */
  readonly prefix: string;
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  readonly maxCopyObjectBytes: number;
  readonly copyPartSizeBytes: number;
  readonly #client: S3Client;

  constructor(options: S3StoreOptions) {
    this.#client = options.client;
    this.bucket = options.bucket;
    const prefix = prefixFolder(options.prefix ?? '');
    this.prefix = prefix === '' ? '' : `${prefix}/`;
    this.partSizeBytes = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    this.multipartThresholdBytes = options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
    if (!Number.isSafeInteger(this.partSizeBytes) || this.partSizeBytes < MIN_PART_SIZE_BYTES) {
      throw new RangeError(
        `S3Store partSizeBytes must be a whole number of bytes of at least ${MIN_PART_SIZE_BYTES} ` +
          `(5 MiB, S3's minimum part size), got ${this.partSizeBytes}`,
      );
    }
    if (
      !Number.isSafeInteger(this.multipartThresholdBytes) ||
      this.multipartThresholdBytes < this.partSizeBytes ||
      this.multipartThresholdBytes > MAX_PUT_OBJECT_BYTES
    ) {
      throw new RangeError(
        `S3Store multipartThresholdBytes must be a whole number of bytes from partSizeBytes ` +
          `(${this.partSizeBytes}) to ${MAX_PUT_OBJECT_BYTES} (5 GiB, S3's limit for one PutObject), ` +
          `got ${this.multipartThresholdBytes}`,
      );
    }
    this.maxCopyObjectBytes = options.maxCopyObjectBytes ?? MAX_PUT_OBJECT_BYTES;
    if (
      !Number.isSafeInteger(this.maxCopyObjectBytes) ||
      this.maxCopyObjectBytes < 0 ||
      this.maxCopyObjectBytes > MAX_PUT_OBJECT_BYTES
    ) {
      throw new RangeError(
        `S3Store maxCopyObjectBytes must be a whole number of bytes up to ${MAX_PUT_OBJECT_BYTES} (5 GiB, S3's limit for one CopyObject), got ${this.maxCopyObjectBytes}`,
      );
    }
    this.copyPartSizeBytes = options.copyPartSizeBytes ?? DEFAULT_COPY_PART_SIZE_BYTES;
    if (
      !Number.isSafeInteger(this.copyPartSizeBytes) ||
      this.copyPartSizeBytes < MIN_PART_SIZE_BYTES ||
      this.copyPartSizeBytes > MAX_PUT_OBJECT_BYTES
    ) {
      throw new RangeError(
        `S3Store copyPartSizeBytes must be a whole number of bytes from ${MIN_PART_SIZE_BYTES} to ${MAX_PUT_OBJECT_BYTES} (5 MiB to 5 GiB, S3's limits for a part), got ${this.copyPartSizeBytes}`,
      );
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<StoredObject | undefined> {
    const { maxBytes } = options;
    try {
      const response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.#s3Key(key) }),
      );
      if (response.Body === undefined) throw new Error('response has no body');
      const size = response.ContentLength;
      if (maxBytes !== undefined && size !== undefined && size > maxBytes) {
        // The body is let go unread: its connection is closed rather than drained.
        (response.Body as unknown as { destroy?: () => void }).destroy?.();
        throw new ObjectTooLargeError(key, size, maxBytes);
      }
      const body = await response.Body.transformToByteArray();
      if (maxBytes !== undefined && body.byteLength > maxBytes)
        throw new ObjectTooLargeError(key, body.byteLength, maxBytes);
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
      if (error instanceof ObjectTooLargeError) throw error;
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

  async putIfAbsent(key: string, body: PutBody, meta: ObjectMeta): Promise<'created' | 'exists'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#write(key, body, meta, { IfNoneMatch: '*' });
        return 'created';
      } catch (error) {
        if (statusOf(error) === 412) return 'exists';
        // 409: another conditional write to this key is in flight and its outcome is unknown;
        // AWS advises retrying (for a multipart upload: all of it), which yields 412 if that write
        // succeeded.
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
    body: PutBody,
    meta: ObjectMeta,
    etag: string | undefined,
  ): Promise<{ status: 'written'; etag: string } | { status: 'conflict' }> {
    assertReplaceable(key);
    const condition: WriteCondition = etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag };
    try {
      return { status: 'written', etag: requireEtag(await this.#putObject(key, body, meta, condition)) };
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

  async put(key: string, body: PutBody, meta: ObjectMeta): Promise<void> {
    assertReplaceable(key);
    try {
      await this.#write(key, body, meta, {});
    } catch (error) {
      throw this.#error('put', key, error);
    }
  }

  /**
   * `CopyObject`, or above `maxCopyObjectBytes` a multipart copy: S3 copies the bytes itself, so
   * `latest/` costs no upload whatever its size. Every request names the ETag of the source that was
   * just looked at, so a copy is of one version of it or fails.
   */
  async copy(from: string, to: string, meta: ObjectMeta): Promise<'copied' | 'missing'> {
    assertReplaceable(to);
    const source = await this.head(from);
    if (source === undefined) return 'missing';
    const copySource = `${this.bucket}/${this.#s3Key(from).split('/').map(encodeURIComponent).join('/')}`;
    try {
      if (source.bytes > this.maxCopyObjectBytes) {
        await this.#copyInParts(copySource, source, to, meta);
        return 'copied';
      }
      await this.#client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: this.#s3Key(to),
          CopySource: copySource,
          CopySourceIfMatch: source.etag,
          MetadataDirective: 'REPLACE',
          ContentType: meta.contentType,
          CacheControl: meta.cacheControl,
        }),
      );
      return 'copied';
    } catch (error) {
      if (isNotFound(error)) return 'missing';
      throw this.#error(`copy ${JSON.stringify(from)} to`, to, error);
    }
  }

  /**
   * A multipart copy: `UploadPartCopy` for each range of the source, a few at a time, then
   * `CompleteMultipartUpload`. A failed copy is aborted, leaving no parts behind; `to` is a mutable
   * key, so no condition guards the completion.
   */
  async #copyInParts(copySource: string, source: ObjectInfo, to: string, meta: ObjectMeta): Promise<void> {
    const key = this.#s3Key(to);
    const partBytes = Math.max(this.copyPartSizeBytes, Math.ceil(source.bytes / MAX_PARTS));
    const created = await this.#client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        ContentType: meta.contentType,
        CacheControl: meta.cacheControl,
      }),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');
    try {
      const count = Math.ceil(source.bytes / partBytes);
      // Every copy started has settled before a failure is thrown: no part lands after the abort below.
      const parts = await mapConcurrent(
        Array.from({ length: count }, (_, index) => index),
        COPY_PART_CONCURRENCY,
        async (index) => {
          const start = index * partBytes;
          const end = Math.min(start + partBytes, source.bytes) - 1;
          const copied = await this.#client.send(
            new UploadPartCopyCommand({
              Bucket: this.bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: index + 1,
              CopySource: copySource,
              CopySourceIfMatch: source.etag,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          );
          const etag = copied.CopyPartResult?.ETag;
          if (etag === undefined) throw new Error(`UploadPartCopy of part ${index + 1} returned no ETag`);
          return { ETag: etag, PartNumber: index + 1 };
        },
      );
      await this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.#client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
      throw error;
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

  /** One `PutObject`, or a multipart upload for a body above the threshold; the new ETag. */
  async #write(
    key: string,
    body: PutBody,
    meta: ObjectMeta,
    condition: WriteCondition,
  ): Promise<string | undefined> {
    return bodyBytes(body) > this.multipartThresholdBytes
      ? this.#upload(key, body, meta, condition)
      : this.#putObject(key, body, meta, condition);
  }

  /** Sends `body` in one `PutObject`; returns its ETag. */
  async #putObject(
    key: string,
    body: PutBody,
    meta: ObjectMeta,
    condition: WriteCondition,
  ): Promise<string | undefined> {
    const bytes = bodyBytes(body);
    if (bytes > MAX_PUT_OBJECT_BYTES) {
      throw new RangeError(
        `${bytes} bytes is more than one PutObject carries (${MAX_PUT_OBJECT_BYTES}, 5 GiB)`,
      );
    }
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: this.#s3Key(key),
      ContentLength: bytes,
      ContentType: meta.contentType,
      CacheControl: meta.cacheControl,
      // S3 verifies it and rejects a body damaged in transit (or a streamed one that lies).
      ChecksumSHA256: Buffer.from(bodySha256(body), 'hex').toString('base64'),
      ...condition,
    };
    if (!isStreamedBody(body)) {
      return (await this.#client.send(new PutObjectCommand({ ...input, Body: body }))).ETag;
    }
    return this.#putStreamed(key, body, input);
  }

  /**
   * Sends a streamed body in one `PutObject`, reading it afresh for every attempt. The SDK does
   * not retry a request whose body is a stream (it cannot rewind it), and warns on the console
   * whenever one fails, a 412 included. So the command carries no body, and a middleware below
   * the retry loop gives each attempt its own stream of `body`; a body that turns out not to be
   * what it declares aborts the request before its last chunk is sent.
   */
  async #putStreamed(
    key: string,
    body: StreamedBody,
    input: PutObjectCommandInput,
  ): Promise<string | undefined> {
    const abort = new AbortController();
    let failure: unknown;
    const command = new PutObjectCommand(input);
    command.middlewareStack.addRelativeTo(
      bodyPerAttempt(() => {
        const stream = Readable.from(verifiedChunks(body, key));
        stream.once('error', (error) => {
          failure = error;
          abort.abort();
        });
        return stream;
      }),
      { name: 'streamedBodyPerAttempt', relation: 'before', toMiddleware: 'httpSigningMiddleware' },
    );
    try {
      return (await this.#client.send(command, { abortSignal: abort.signal })).ETag;
    } catch (error) {
      throw failure ?? error;
    }
  }

  /**
   * Sends a body larger than the threshold as a multipart upload. The condition goes into the
   * parameters that `Upload` passes to every command, and only `CompleteMultipartUpload` has it:
   * S3 evaluates it when the parts are joined, and `Upload` aborts the upload when that fails.
   * Each part carries its own SHA-256, which S3 verifies; a streamed body that is not what it
   * declares fails before its last part is sent.
   */
  async #upload(
    key: string,
    body: PutBody,
    meta: ObjectMeta,
    condition: WriteCondition,
  ): Promise<string | undefined> {
    const bytes = bodyBytes(body);
    const source = isStreamedBody(body) ? Readable.from(verifiedChunks(body, key)) : body;
    const upload = new Upload({
      client: this.#client,
      partSize: Math.max(this.partSizeBytes, Math.ceil(bytes / MAX_PARTS)),
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: this.#s3Key(key),
        Body: source,
        ContentLength: bytes,
        ContentType: meta.contentType,
        CacheControl: meta.cacheControl,
        ChecksumAlgorithm: 'SHA256',
        // S3 checks the joined object has this size.
        MpuObjectSize: bytes,
        ...condition,
      },
    });
    try {
      return (await upload.done()).ETag;
    } finally {
      // The upload stops reading at its first failure; close the body's file.
      if (source instanceof Readable) source.destroy();
    }
  }

  #error(action: string, key: string, cause: unknown): ObjectStoreError {
    // The SDK's words for a client given no region say nothing of where one comes from.
    const hint =
      cause instanceof Error && cause.message === 'Region is missing'
        ? ' (set AWS_REGION, or a region in the AWS profile in use)'
        : '';
    const detail = cause instanceof Error ? `: ${cause.name}: ${cause.message}${hint}` : '';
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
  /**
   * How long to wait for a connection (TLS included) to the endpoint.
   * @default DEFAULT_CONNECT_TIMEOUT_MS
   */
  connectTimeoutMs?: number;
  /**
   * The longest silence of the endpoint on an open request before it is given up (and retried, as the
   * SDK retries): an endpoint that stops answering ends the run with an error instead of holding it.
   * @default DEFAULT_IDLE_TIMEOUT_MS
   */
  idleTimeoutMs?: number;
}): S3Client {
  return new S3Client({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // An idle timeout: `requestTimeout` would bound the whole request, a long upload or read included.
      socketTimeout: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** What a finalize-step middleware receives (`FinalizeHandlerArguments`), as far as it is used here. */
interface FinalizeArguments<Input> {
  readonly input: Input;
  readonly request: unknown;
}

/**
 * A middleware that sends each attempt with a fresh `stream()` as its body. The stream goes into a
 * copy of the request, so that the SDK's retry loop, which runs above, never sees one in its own.
 */
function bodyPerAttempt(stream: () => Readable) {
  return <Input, Output>(next: (args: FinalizeArguments<Input>) => Promise<Output>) =>
    async (args: FinalizeArguments<Input>): Promise<Output> => {
      const { request } = args;
      if (typeof request !== 'object' || request === null) throw new Error('the SDK built no HTTP request');
      const body = stream();
      const copy = Object.create(Object.getPrototypeOf(request) as object) as object;
      Object.assign(copy, request, { body });
      try {
        return await next({ ...args, request: copy });
      } finally {
        body.destroy();
      }
    };
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
