import { describe, expect, it } from 'vitest';
import { nagResourceName } from '../../lib/nag-findings.js';

describe('nagResourceName', () => {
  it.each([
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/*'],
    [{ 'Fn::GetAtt': ['Bucket1234', 'Arn'] }, '<Bucket1234.Arn>'],
    [{ Ref: 'Queue99' }, '<Queue99>'],
    [{ 'Fn::ImportValue': 'OpenDataSite-SourceBucketArn' }, 'OpenDataSite-SourceBucketArn'],
    [
      { 'Fn::Join': ['', [{ 'Fn::ImportValue': 'OpenDataSite-SiteBucketArn' }, '/datasets/*']] },
      'OpenDataSite-SiteBucketArn/datasets/*',
    ],
    [
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' },
      'arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>',
    ],
  ])('names %j as cdk-nag does: %s', (reference, expected) => {
    // Act
    const name = nagResourceName(reference);

    // Assess
    expect(name).toBe(expected);
  });
});
