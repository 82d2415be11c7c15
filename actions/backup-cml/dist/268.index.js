export const id = 268;
export const ids = [268];
export const modules = {

/***/ 5268:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  checkAzure: () => (/* binding */ checkAzure)
});

// EXTERNAL MODULE: ./packages/core/src/index.ts + 33 modules
var src = __webpack_require__(5005);
// EXTERNAL MODULE: ./node_modules/@azure/identity/dist/esm/index.js + 182 modules
var esm = __webpack_require__(5563);
;// CONCATENATED MODULE: ./packages/azure/src/credential.ts
// A TokenCredential for Azure from the GitHub Actions OIDC token (workload identity federation).
//
// ClientAssertionCredential asks for the assertion every time MSAL needs a new access token, so a
// job that waits for hours keeps working: each refresh presents a fresh GitHub ID token (those live
// about 5-10 minutes), unlike `azure/login` + AzureCliCredential, which fails with AADSTS700024
// once the first access token expires.


/** The audience Entra ID expects in a federated GitHub ID token (public cloud). */
const GITHUB_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/**
 * `new ClientAssertionCredential(tenantId, clientId, () => getIdToken('api://AzureADTokenExchange'))`,
 * with validation of the ids and a clear error when GitHub does not hand out an ID token.
 */
function gitHubOidcCredential(options) {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    if (!uuid.test(options.tenantId) && !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(options.tenantId)) {
        throw new Error(`Azure tenant id '${options.tenantId}' is neither a GUID nor a domain name`);
    }
    if (!uuid.test(options.clientId))
        throw new Error(`Azure client id '${options.clientId}' is not a GUID`);
    const audience = options.audience ?? GITHUB_TOKEN_EXCHANGE_AUDIENCE;
    const stats = { assertions: 0 };
    const getAssertion = async () => {
        let token;
        try {
            token = await (0,src/* retry */.L5)(() => options.getIdToken(audience), {
                label: 'GitHub OIDC ID token',
                attempts: options.idTokenAttempts ?? 3,
                baseMs: 500,
                maxMs: 5_000,
                retryable: () => true,
                log: options.log,
            });
        }
        catch (err) {
            throw new Error(`could not get a GitHub OIDC ID token for audience '${audience}' (does the job have 'permissions: id-token: write'?): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        stats.assertions++;
        stats.lastAssertionAt = new Date();
        return token;
    };
    const credential = new esm/* ClientAssertionCredential */.XI(options.tenantId, options.clientId, getAssertion, {
        ...options.clientOptions,
        ...(options.authorityHost ? { authorityHost: options.authorityHost } : {}),
        ...(options.disableInstanceDiscovery !== undefined ? { disableInstanceDiscovery: options.disableInstanceDiscovery } : {}),
    });
    return Object.assign(credential, { stats: stats });
}

// EXTERNAL MODULE: ./node_modules/@azure/arm-compute/dist/esm/index.js + 133 modules
var dist_esm = __webpack_require__(2280);
// EXTERNAL MODULE: ./node_modules/@azure/arm-resources/dist/esm/index.js + 24 modules
var arm_resources_dist_esm = __webpack_require__(6033);
;// CONCATENATED MODULE: ./packages/azure/src/clients.ts


function createAzureClients(options) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(options.subscriptionId)) {
        throw new Error(`Azure subscription id '${options.subscriptionId}' is not a GUID`);
    }
    const common = {
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.ca ? { tlsOptions: { ca: options.ca } } : {}),
        ...(options.maxRetries !== undefined ? { retryOptions: { maxRetries: options.maxRetries } } : {}),
        userAgentOptions: { userAgentPrefix: 'ml-backup-actions' },
    };
    return {
        subscriptionId: options.subscriptionId,
        compute: new dist_esm/* ComputeManagementClient */.Kx(options.credential, options.subscriptionId, common),
        resources: new arm_resources_dist_esm/* ResourceManagementClient */.h0(options.credential, options.subscriptionId, common),
    };
}

;// CONCATENATED MODULE: ./packages/azure/src/errors.ts

function azureErrorInfo(err) {
    if (err && typeof err === 'object') {
        const e = err;
        const detail = e.details?.error;
        return {
            statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
            code: detail?.code ?? (typeof e.code === 'string' ? e.code : undefined),
            message: detail?.message ?? (typeof e.message === 'string' ? e.message : String(err)),
        };
    }
    return { message: String(err) };
}
/** "403 AuthorizationFailed: The client ..." */
function describeAzureError(err) {
    const i = azureErrorInfo(err);
    return [i.statusCode, i.code].filter((x) => x !== undefined).join(' ') + (i.statusCode || i.code ? ': ' : '') + i.message;
}
/** An Azure call failed; the message names what was being done and to which resource. */
class AzureError extends src/* ActionError */.lZ {
    statusCode;
    code;
    constructor(message, cause) {
        super(message, { cause });
        this.name = 'AzureError';
        const i = azureErrorInfo(cause);
        this.statusCode = i.statusCode;
        this.code = i.code;
    }
}

;// CONCATENATED MODULE: ./packages/azure/src/resources.ts

/** True when the resource group exists (HEAD /subscriptions/{s}/resourcegroups/{name}: 204 or 404). */
async function resourceGroupExists(clients, name, options = {}) {
    try {
        const r = await clients.resources.resourceGroups.checkExistence(name, { abortSignal: options.abortSignal });
        return r.body;
    }
    catch (err) {
        throw new AzureError(`could not check whether resource group '${name}' exists in subscription '${clients.subscriptionId}': ${describeAzureError(err)}`, err);
    }
}
/** Throws an error naming the group and the subscription when the resource group does not exist. */
async function requireResourceGroup(clients, name, options = {}) {
    if (!(await resourceGroupExists(clients, name, options))) {
        throw new AzureError(`resource group '${name}' does not exist in subscription '${clients.subscriptionId}'` +
            (options.purpose ? ` (needed for ${options.purpose})` : '') +
            ' (check the name, and that the credential can read that subscription)', undefined);
    }
}

;// CONCATENATED MODULE: ./packages/azure/src/disks.ts


const GC_TAG_KEY = 'k8s-azure-created-by';
const GC_TAG_VALUE = 'kubernetes-azure-dd';
/**
 * Which disks of a resource group belong to the workspace when no filter is given: the persistent-volume
 * disks the AKS disk CSI driver creates (they carry the PVC name). UNVERIFIED for CML: Cloudera does not
 * document which disks belong to a workspace; pass `tagFilter: {}` to take every disk of the group.
 */
const DEFAULT_WORKSPACE_DISK_FILTER = { 'kubernetes.io-created-for-pvc-name': true };
function matchesTagFilter(tags, filter) {
    return Object.entries(filter).every(([k, v]) => {
        const actual = tags?.[k];
        return v === true ? actual !== undefined : actual === v;
    });
}
function gcTagState(tags) {
    const v = tags?.[GC_TAG_KEY];
    return v === undefined ? 'missing' : v === GC_TAG_VALUE ? 'tagged' : 'different-value';
}
/** The resource group named in an ARM id (/subscriptions/s/resourceGroups/<rg>/providers/...). */
const resourceGroupOf = (id) => /\/resourceGroups\/([^/]+)/i.exec(id ?? '')?.[1] ?? '';
function toWorkspaceDisk(resourceGroup, d) {
    const tags = { ...(d.tags ?? {}) };
    return {
        name: d.name ?? '(unnamed)',
        id: d.id ?? '',
        resourceGroup,
        location: d.location,
        diskState: d.diskState,
        sizeGB: d.diskSizeGB,
        managedBy: d.managedBy,
        tags,
        gcTag: gcTagState(tags),
    };
}
/** Lists the disks (all pages) of the resource group, or of the subscription, and keeps those matching the tag filter, sorted by name. */
async function findWorkspaceDisks(clients, options) {
    const filter = options.tagFilter ?? DEFAULT_WORKSPACE_DISK_FILTER;
    const { resourceGroup, abortSignal } = options;
    const found = [];
    try {
        const disks = resourceGroup ? clients.compute.disks.listByResourceGroup(resourceGroup, { abortSignal }) : clients.compute.disks.list({ abortSignal });
        for await (const d of disks) {
            if (matchesTagFilter(d.tags, filter))
                found.push(toWorkspaceDisk(resourceGroup ?? resourceGroupOf(d.id), d));
        }
    }
    catch (err) {
        const info = azureErrorInfo(err);
        const hint = info.code === 'ResourceGroupNotFound' ? ' (the resource group does not exist)' : '';
        const where = resourceGroup ? `resource group '${resourceGroup}' in subscription` : 'subscription';
        throw new AzureError(`could not list the disks of ${where} '${clients.subscriptionId}'${hint}: ${describeAzureError(err)}`, err);
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
}
function gcTagReport(disks) {
    return {
        disks,
        tagged: disks.filter((d) => d.gcTag === 'tagged'),
        missing: disks.filter((d) => d.gcTag === 'missing'),
        differentValue: disks.filter((d) => d.gcTag === 'different-value'),
    };
}
/** One line per disk that a GC script could delete, for the log or the job summary. */
function describeGcTagReport(r) {
    const lines = [`${r.disks.length} workspace disk(s): ${r.tagged.length} carry ${GC_TAG_KEY}=${GC_TAG_VALUE}, ${r.missing.length} lack it, ${r.differentValue.length} have another value`];
    for (const d of r.missing)
        lines.push(`- ${d.name} (${d.resourceGroup}, ${d.diskState ?? 'state unknown'}): no ${GC_TAG_KEY} tag`);
    for (const d of r.differentValue)
        lines.push(`- ${d.name} (${d.resourceGroup}): ${GC_TAG_KEY}=${d.tags[GC_TAG_KEY]}`);
    return lines.join('\n');
}
/** At least one disk could not be tagged; `result` has every disk's outcome. */
class DiskTaggingError extends src/* ActionError */.lZ {
    result;
    constructor(result) {
        super(`could not add ${GC_TAG_KEY}=${GC_TAG_VALUE} to ${result.failed.length} disk(s):\n` +
            result.failed.map((f) => `- disk '${f.disk}' in resource group '${f.resourceGroup}': ${f.error}`).join('\n') +
            (result.failed.some((f) => f.statusCode === 403) ? '\n(the credential needs Microsoft.Compute/disks/write on these disks, e.g. the Disk Snapshot Contributor or Contributor role)' : ''));
        this.result = result;
        this.name = 'DiskTaggingError';
    }
}
/**
 * Adds `k8s-azure-created-by=kubernetes-azure-dd` to the given disks that lack it, MERGED into the
 * disk's current tags: each disk is read again right before the update and the PATCH carries
 * `{...currentTags, [GC_TAG_KEY]: GC_TAG_VALUE}`, because tags in an ARM PATCH replace the whole map.
 * Every disk is attempted; failures are collected and thrown together as DiskTaggingError.
 */
async function tagDisksForGc(clients, disks, options = {}) {
    const outcomes = [];
    const record = (o) => {
        outcomes.push(o);
        options.onDisk?.(o);
    };
    for (const disk of disks) {
        options.abortSignal?.throwIfAborted();
        const base = { disk: disk.name, resourceGroup: disk.resourceGroup };
        try {
            const current = await clients.compute.disks.get(disk.resourceGroup, disk.name, { abortSignal: options.abortSignal });
            const tags = { ...(current.tags ?? {}) };
            const state = gcTagState(tags);
            if (state === 'tagged') {
                record({ ...base, result: 'already-tagged', tags });
                continue;
            }
            if (state === 'different-value' && !options.replaceDifferentValue) {
                record({ ...base, result: 'skipped-different-value', tags });
                continue;
            }
            const merged = { ...tags, [GC_TAG_KEY]: GC_TAG_VALUE };
            if (options.dryRun) {
                record({ ...base, result: 'would-tag', tags: merged });
                continue;
            }
            const updated = await clients.compute.disks.update(disk.resourceGroup, disk.name, { tags: merged }, {
                abortSignal: options.abortSignal,
                ...(options.pollIntervalMs !== undefined ? { updateIntervalInMs: options.pollIntervalMs } : {}),
            });
            record({ ...base, result: 'tagged', tags: { ...(updated?.tags ?? merged) } });
        }
        catch (err) {
            if (options.abortSignal?.aborted)
                throw err;
            const info = azureErrorInfo(err);
            record({ ...base, result: 'failed', error: describeAzureError(err), statusCode: info.statusCode, code: info.code });
        }
    }
    const result = {
        outcomes,
        tagged: outcomes.filter((o) => o.result === 'tagged').map((o) => o.disk),
        failed: outcomes.filter((o) => o.result === 'failed'),
    };
    if (result.failed.length > 0)
        throw new DiskTaggingError(result);
    return result;
}

;// CONCATENATED MODULE: ./packages/azure/src/index.ts






;// CONCATENATED MODULE: ./actions/backup-cml/src/azure.ts


/** CDP tags what it creates with the resource's CRN; the PV disks of the workspace carry the PVC name. */
const CDP_RESOURCE_TAG = 'Cloudera-Resource-Name';
const PV_DISK_TAG = 'kubernetes.io-created-for-pvc-name';
/**
 * The Azure side of the pre-flight, through the job's OIDC credential (az login tokens expire
 * within the hour; this one refreshes from GitHub's ID token): the snapshot resource group
 * exists (cml-snapshots-<region>, or the environment's own group), and the workspace's disks
 * carry the tag that garbage-collection scripts must spare; tag-disks adds it where missing.
 */
async function checkAzure(config, report, log, signal) {
    const { azure } = config;
    if (!azure.subscriptionId) {
        if (config.tagDisks)
            throw new src/* ActionError */.lZ('tag-disks is true, but azure-subscription-id is empty: tagging the workspace\'s Azure disks needs azure-subscription-id, azure-tenant-id and azure-client-id');
        log.warning('Azure checks skipped (snapshot resource group, disk tags): set azure-subscription-id, azure-tenant-id and azure-client-id (GitHub OIDC) to have them');
        return;
    }
    const credential = gitHubOidcCredential({
        tenantId: azure.tenantId,
        clientId: azure.clientId,
        getIdToken: src/* gitHubIdToken */.Qd,
        log,
        ...(azure.authorityHost ? { authorityHost: azure.authorityHost, disableInstanceDiscovery: true } : {}),
    });
    const clients = createAzureClients({ credential, subscriptionId: azure.subscriptionId, endpoint: azure.endpoint || undefined });
    const filter = azure.diskResourceGroup ? { [PV_DISK_TAG]: true } : { [PV_DISK_TAG]: true, [CDP_RESOURCE_TAG]: report.workspace?.crn ?? '' };
    const disks = await findWorkspaceDisks(clients, { resourceGroup: azure.diskResourceGroup || undefined, tagFilter: filter, abortSignal: signal });
    const where = azure.diskResourceGroup ? `resource group ${azure.diskResourceGroup}` : `subscription ${azure.subscriptionId} (tag ${CDP_RESOURCE_TAG}=${report.workspace?.crn})`;
    const gc = gcTagReport(disks);
    report.disks = { count: disks.length, gcTag: `${GC_TAG_KEY}=${GC_TAG_VALUE}`, missingTag: gc.missing.map((d) => d.name), tagged: [] };
    if (disks.length === 0) {
        log.warning(`no disks of the workspace found in ${where}: the garbage-collection tags cannot be checked; set azure-disk-resource-group to the AKS node resource group (MC_...)`);
    }
    else {
        log.info(`the workspace's disks in ${where}:\n${describeGcTagReport(gc)}`);
    }
    const region = azure.snapshotResourceGroup ? undefined : disks.find((d) => d.location)?.location;
    const snapshotGroup = azure.snapshotResourceGroup || (region ? `cml-snapshots-${region}` : '');
    if (!snapshotGroup) {
        log.warning('the workspace\'s Azure region is unknown (no disks found): set azure-snapshot-resource-group to have the snapshot resource group checked');
    }
    else {
        await requireResourceGroup(clients, snapshotGroup, {
            abortSignal: signal,
            purpose: 'the backup\'s disk snapshots; if the environment uses its own resource group, name it in azure-snapshot-resource-group',
        });
        log.info(`snapshot resource group ${snapshotGroup} exists`);
        report.snapshotResourceGroup = snapshotGroup;
    }
    if (gc.missing.length === 0)
        return;
    if (!config.tagDisks) {
        const names = gc.missing.map((d) => `${d.name} (PVC ${d.tags['kubernetes.io-created-for-pvc-namespace'] ?? '?'}/${d.tags[PV_DISK_TAG]})`);
        log.warning(`${gc.missing.length} workspace disk(s) lack ${GC_TAG_KEY}=${GC_TAG_VALUE}, so a garbage-collection script may delete them while the workspace is suspended: ${names.join(', ')} (tag-disks: true adds the tag)`);
        return;
    }
    if (config.dryRun) {
        log.info(`dry run: would add ${GC_TAG_KEY}=${GC_TAG_VALUE} to ${gc.missing.map((d) => d.name).join(', ')}`);
        return;
    }
    const result = await tagDisksForGc(clients, gc.missing, { abortSignal: signal, onDisk: (o) => log.info(`disk ${o.disk}: ${o.result}`) });
    report.disks.tagged = result.tagged;
}


/***/ })

};
