// AWS Backup helpers: PercentDone as AWS writes it (both "0.0" and "12.34%" occur), job views for
// progress lines.
import { describe, expect, test } from '@jest/globals';
import { describeJob, parsePercentDone, viewOf } from '../../packages/aws/src/index.js';

describe('parsePercentDone', () => {
  test.each([
    ['0.0', 0],
    ['50.0', 50],
    ['12.34%', 12.34],
    ['0.00%', 0],
    [' 99.9 % ', 99.9],
    ['100', 100],
  ])('%p is %p', (text, n) => expect(parsePercentDone(text)).toBe(n));

  test.each([[''], ['n/a'], ['-1'], ['1e3'], ['101'], ['12.3.4'], [undefined], [null]])('%p is unknown', (text) =>
    expect(parsePercentDone(text as string)).toBeUndefined(),
  );
});

test('a job as a progress line', () => {
  const j = viewOf({
    BackupJobId: 'j-1',
    ResourceType: 'EFS',
    ResourceArn: 'arn:aws:elasticfilesystem:us-west-2:1:file-system/fs-0abc',
    State: 'RUNNING',
    PercentDone: '12.5%',
    BytesTransferred: 3 * 2 ** 30,
  });
  expect(describeJob(j)).toBe('EFS arn:aws:elasticfilesystem:us-west-2:1:file-system/fs-0abc RUNNING 12.5%, 3.00 GiB transferred');
  expect(describeJob(viewOf({ BackupJobId: 'j-2', ResourceType: 'EBS', ResourceName: 'vol-1', State: 'CREATED' }))).toBe('EBS vol-1 CREATED progress unknown');
});
