export const id = 489;
export const ids = [489];
export const modules = {

/***/ 8489:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  checkAwsDisks: () => (/* binding */ checkAwsDisks)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ec2/dist-cjs/index.js
var dist_cjs = __webpack_require__(5193);
// EXTERNAL MODULE: ./packages/core/src/index.ts + 33 modules
var src = __webpack_require__(5005);
;// CONCATENATED MODULE: ./packages/aws/src/volumes.ts
// Imported as @ml-backup-actions/aws/volumes, apart from the index: the EC2 client is large and only the disk checks need it.
// The workspace's EBS volumes and the tag that keeps garbage-collection scripts away from them.
// Cloudera: GC scripts must ignore disks tagged `kubernetes.io/cluster/liftie-*` = `owned` (AWS).

const CLUSTER_TAG_PREFIX = 'kubernetes.io/cluster/liftie-';
const CLUSTER_TAG_VALUE = 'owned';
/** CDP tags the resources of a workspace with the workspace's CRN. */
const CDP_RESOURCE_TAG = 'Cloudera-Resource-Name';
const tagMap = (tags) => Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key, t.Value ?? '']));
const clusterTagOf = (tags) => Object.keys(tags).find((k) => k.startsWith(CLUSTER_TAG_PREFIX) && tags[k] === CLUSTER_TAG_VALUE);
/** DescribeVolumes (all pages) of the volumes tagged with the workspace's CRN, sorted by id. */
async function findWorkspaceVolumes(ec2, workspaceCrn, signal) {
    const found = [];
    const pages = (0,dist_cjs/* paginateDescribeVolumes */.cpp)({ client: ec2, pageSize: 100 }, { Filters: [{ Name: `tag:${CDP_RESOURCE_TAG}`, Values: [workspaceCrn] }] });
    for await (const page of pages) {
        signal?.throwIfAborted();
        for (const v of page.Volumes ?? []) {
            const tags = tagMap(v.Tags);
            found.push({ id: v.VolumeId ?? '', sizeGiB: v.Size, state: v.State, tags, clusterTag: clusterTagOf(tags) });
        }
    }
    return found.sort((a, b) => a.id.localeCompare(b.id));
}
/**
 * The cluster tag the untagged volumes should get: the one their sibling volumes carry. Undefined
 * when none does, or when they disagree (then which cluster owns the volumes is not for us to guess).
 */
function clusterTagToAdd(volumes) {
    const keys = new Set(volumes.map((v) => v.clusterTag).filter((k) => !!k));
    return keys.size === 1 ? [...keys][0] : undefined;
}
/** CreateTags adds or overwrites only the keys it is given, so the volumes' other tags stay as they are. */
async function addClusterTag(ec2, volumeIds, key, signal) {
    await ec2.send(new dist_cjs/* CreateTagsCommand */.RmG({ Resources: volumeIds, Tags: [{ Key: key, Value: CLUSTER_TAG_VALUE }] }), { abortSignal: signal });
}

;// CONCATENATED MODULE: ./actions/backup-cml/src/aws-disks.ts



const GC_TAG = `${CLUSTER_TAG_PREFIX}*=${CLUSTER_TAG_VALUE}`;
/**
 * AWS: the workspace's EBS volumes (tagged with its CRN) must carry kubernetes.io/cluster/liftie-*=owned,
 * which GC scripts must spare; tag-disks adds the cluster tag their sibling volumes carry. AWS_ENDPOINT_URL_EC2
 * points the client elsewhere (tests).
 */
async function checkAwsDisks(config, report, log, signal) {
    const crn = report.workspace?.crn ?? '';
    const ec2 = new dist_cjs/* EC2Client */.gu5({ region: config.awsRegion, maxAttempts: 5 });
    const volumes = await findWorkspaceVolumes(ec2, crn, signal).catch((err) => {
        throw new src/* ActionError */.lZ(`EC2 DescribeVolumes in ${config.awsRegion} failed: ${(0,src/* errorMessage */.gJ)(err)}; the role needs ec2:DescribeVolumes to check the workspace's disks`);
    });
    const missing = volumes.filter((v) => !v.clusterTag);
    report.disks = { count: volumes.length, gcTag: GC_TAG, missingTag: missing.map((v) => v.id), tagged: [] };
    if (volumes.length === 0) {
        log.warning(`no EBS volumes tagged ${CDP_RESOURCE_TAG}=${crn} found in ${config.awsRegion}: the garbage-collection tags cannot be checked`);
        return;
    }
    log.info(`${volumes.length} EBS volume(s) of the workspace: ${volumes.length - missing.length} carry ${GC_TAG}, ${missing.length} lack it`);
    if (missing.length === 0)
        return;
    const ids = missing.map((v) => `${v.id} (${v.sizeGiB ?? '?'} GiB)`).join(', ');
    if (!config.tagDisks) {
        log.warning(`${missing.length} EBS volume(s) lack ${GC_TAG}, so a garbage-collection script may delete them while the workspace's disks are detached: ${ids} (tag-disks: true adds the tag)`);
        return;
    }
    const key = clusterTagToAdd(volumes);
    if (!key) {
        throw new src/* ActionError */.lZ(`tag-disks: cannot tell which cluster owns ${ids}: none or several of the workspace's other volumes carry ${GC_TAG}; tag them by hand`);
    }
    if (config.dryRun) {
        log.info(`dry run: would add ${key}=${CLUSTER_TAG_VALUE} to ${ids}`);
        return;
    }
    await addClusterTag(ec2, missing.map((v) => v.id), key, signal).catch((err) => {
        throw new src/* ActionError */.lZ(`EC2 CreateTags ${key}=${CLUSTER_TAG_VALUE} on ${ids} failed: ${(0,src/* errorMessage */.gJ)(err)}; the role needs ec2:CreateTags on these volumes`);
    });
    report.disks.tagged = missing.map((v) => v.id);
    log.info(`added ${key}=${CLUSTER_TAG_VALUE} to ${ids}; their other tags are unchanged`);
}


/***/ })

};
