// packages/aws/volumes through the REAL @aws-sdk/client-ec2 against the EC2 emulator (sandbox/cdp/aws-ec2.js):
// the workspace's volumes found by its CRN tag across pages, the cluster tag added without touching the others,
// and EC2's errors as the SDK surfaces them.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { addClusterTag, clusterTagToAdd, findWorkspaceVolumes } from '@ml-backup-actions/aws/volumes';
import { CDP_RESOURCE_TAG } from '@ml-backup-actions/cdp';
import { startCdp } from '../../sandbox/index.js';
import { defaultWorkspaces } from '../../sandbox/cdp/index.js';
import { must } from '../support/must.js';

type Cdp = Awaited<ReturnType<typeof startCdp>>;
let cdp: Cdp;
let ec2: EC2Client;
const BIG = 12;

beforeAll(async () => {
  const volumes = Array.from({ length: BIG }, (_, i) => ({ sizeGiB: 10 + i, gcTag: i % 4 !== 0, tags: { index: String(i) } }));
  cdp = await startCdp({ workspaces: [...defaultWorkspaces(), { name: 'ml-big', environmentName: 'cdp-aws-env', cloudPlatform: 'AWS', ebsVolumes: volumes }] });
  ec2 = new EC2Client({ endpoint: cdp.ec2.endpoint, region: cdp.awsBackup.region, credentials: cdp.awsBackup.credentials, maxAttempts: 1 });
});
afterAll(async () => {
  ec2?.destroy();
  await cdp?.stop();
});

const byCrn = (crn: string) => ({ key: CDP_RESOURCE_TAG, value: crn });
const describes = () => cdp.ec2.requests.filter((r: { action: string }) => r.action === 'DescribeVolumes').length;

describe('EBS volumes of a workspace', () => {
  test("found by the workspace CRN tag across pages, and only that workspace's", async () => {
    const crn = must(cdp.workspace('ml-big'), "cdp.workspace('ml-big')").crn;
    const before = describes();
    const found = await findWorkspaceVolumes(ec2, byCrn(crn), undefined, 5);
    expect(describes() - before).toBe(3); // 5 + 5 + 2
    expect(found.map((v) => v.id)).toEqual(
      cdp.ec2
        .volumes('ml-big')
        .map((v: { id: string }) => v.id)
        .sort(),
    );
    expect(found.filter((v) => !v.clusterTag)).toHaveLength(3);
    expect(found.every((v) => v.tags['Cloudera-Resource-Name'] === crn)).toBe(true);
  });

  test('the cluster tag is added with the key the sibling volumes carry, the other tags kept', async () => {
    const crn = must(cdp.workspace('ml-big'), "cdp.workspace('ml-big')").crn;
    const found = await findWorkspaceVolumes(ec2, byCrn(crn));
    const key = must(clusterTagToAdd(found), 'the cluster tag to add');
    expect(key).toMatch(/^kubernetes\.io\/cluster\/liftie-[0-9a-f]{8}$/);
    const missing = found.filter((v) => !v.clusterTag);
    await addClusterTag(
      ec2,
      missing.map((v) => v.id),
      key,
    );
    const after = await findWorkspaceVolumes(ec2, byCrn(crn));
    for (const v of after)
      expect(v.tags).toEqual({
        ...must(
          found.find((f) => f.id === v.id),
          'found.find((f) => f.id === v.id)',
        ).tags,
        [key]: 'owned',
      });
    expect(clusterTagToAdd([...after, { id: 'vol-x', tags: {}, clusterTag: 'kubernetes.io/cluster/liftie-other' }])).toBeUndefined();
  });

  test('EC2 errors reach the caller with their code: a bad filter, a wrong secret, a refused role', async () => {
    await expect(ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:x', Values: [] }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: 'not-a-token' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const wrong = new EC2Client({
      endpoint: cdp.ec2.endpoint,
      region: cdp.awsBackup.region,
      credentials: { ...cdp.awsBackup.credentials, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    await expect(findWorkspaceVolumes(wrong, byCrn('crn'))).rejects.toMatchObject({ name: 'AuthFailure' });
    wrong.destroy();
    cdp.ec2.refuseDescribe();
    await expect(findWorkspaceVolumes(ec2, byCrn('crn'))).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    cdp.ec2.refuseDescribe(false);
  });
});
