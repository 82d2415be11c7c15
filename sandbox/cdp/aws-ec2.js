// @ts-check
// Amazon EC2 at its wire protocol (the EC2 Query protocol: form-encoded POST, XML answers, SigV4),
// the part backup-cml uses: DescribeVolumes (filters, paging) and CreateTags, over the EBS volumes of
// the CDP emulator's AWS workspaces. The real @aws-sdk/client-ec2 works against it.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseQuery, verifySigV4 } from './aws-backup.js';

/** @typedef {{ id: string, sizeGiB: number, tags: Record<string, string>, createdAt: string, instanceId: string }} Volume */
/** @typedef {{ name?: string, values: string[] }} Filter */
/** @typedef {{ key?: string, value?: string }} Tag */
/** @typedef {{ action: string, form: Record<string, string>, status: number }} Ec2Request */

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const esc = (/** @type {unknown} */ v) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** EC2 filter values take * and ? wildcards. */
const wildcard = (/** @type {string} */ pattern) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/**
 * The map's entry for key, made and added first if missing.
 * @template T @param {Map<string, T>} map @param {string} key @param {() => T} make
 */
function entry(map, key, make) {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

/**
 * Filter.N.Name / Filter.N.Value.M, ResourceId.N, Tag.N.Key / Tag.N.Value: the Query protocol's lists.
 * @param {Record<string, string>} form
 */
function lists(form) {
  /** @type {Map<string, Filter>} */
  const filters = new Map();
  /** @type {string[]} */
  const resources = [];
  /** @type {Map<string, Tag>} */
  const tags = new Map();
  for (const [k, v] of Object.entries(form)) {
    let m;
    if ((m = /^Filter\.(\d+)\.Name$/.exec(k))) entry(filters, m[1], () => ({ values: [] })).name = v;
    else if ((m = /^Filter\.(\d+)\.Value\.(\d+)$/.exec(k))) entry(filters, m[1], () => ({ values: [] })).values.push(v);
    else if (/^ResourceId\.(\d+)$/.test(k)) resources.push(v);
    else if ((m = /^Tag\.(\d+)\.(Key|Value)$/.exec(k))) entry(tags, m[1], () => /** @type {Tag} */ ({}))[m[2] === 'Key' ? 'key' : 'value'] = v;
  }
  return { filters: [...filters.values()], resources, tags: [...tags.values()] };
}

/**
 * Whether the volume passes the filter; undefined for a filter EC2 does not know.
 * @param {Pick<Volume, 'id' | 'tags'>} volume @param {Filter} filter
 * @returns {boolean | undefined}
 */
function matches(volume, filter) {
  const res = filter.values.map(wildcard);
  const any = (/** @type {string[]} */ values) => values.some((v) => res.some((r) => r.test(v)));
  if (filter.name === 'volume-id') return any([volume.id]);
  if (filter.name === 'tag-key') return any(Object.keys(volume.tags));
  if (filter.name?.startsWith('tag:')) {
    const key = filter.name.slice(4);
    return key in volume.tags && any([volume.tags[key]]);
  }
  return undefined;
}

/** @param {Volume} v @param {string} az */
function volumeXml(v, az) {
  const tags = Object.entries(v.tags)
    .map(([k, val]) => `<item><key>${esc(k)}</key><value>${esc(val)}</value></item>`)
    .join('');
  return (
    `<item><volumeId>${v.id}</volumeId><size>${v.sizeGiB}</size><snapshotId/><availabilityZone>${az}</availabilityZone>` +
    `<status>in-use</status><createTime>${v.createdAt}</createTime>` +
    `<attachmentSet><item><volumeId>${v.id}</volumeId><instanceId>${v.instanceId}</instanceId><device>/dev/xvdba</device><status>attached</status>` +
    `<attachTime>${v.createdAt}</attachTime><deleteOnTermination>false</deleteOnTermination></item></attachmentSet>` +
    `<tagSet>${tags}</tagSet><volumeType>gp3</volumeType><iops>3000</iops><throughput>125</throughput><encrypted>true</encrypted><multiAttachEnabled>false</multiAttachEnabled></item>`
  );
}

/**
 * @param {{ accessKeyId: string, secretAccessKey: string, region: string, maxSkewSeconds?: number,
 *   volumes: () => Volume[],
 *   forbiddenTagWrites: Set<string>, faults: { describeRefused: boolean }, record: (r: Ec2Request) => void }} cfg
 */
export async function startAwsEc2(cfg) {
  /** @param {http.ServerResponse} res @param {number} status @param {string} xml */
  const send = (res, status, xml) => {
    const text = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
    res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  /** @param {string} code @param {string} message */
  const errorXml = (code, message) =>
    `<Response><Errors><Error><Code>${code}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`;

  const server = http.createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => send(res, 500, errorXml('InternalError', String(err)))));
  });

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {string} body */
  async function handle(req, res, body) {
    const form = parseQuery(body.replace(/\+/g, '%20'));
    /** @type {Ec2Request} */
    const rec = { action: form.Action, form, status: 0 };
    cfg.record(rec);
    /** @param {number} status @param {string} xml */
    const reply = (status, xml) => ((rec.status = status), send(res, status, xml));
    /** @param {number} status @param {string} code @param {string} message */
    const fail = (status, code, message) => reply(status, errorXml(code, message));
    const problem = await verifySigV4(req, body, { ...cfg, service: 'ec2', maxSkewSeconds: cfg.maxSkewSeconds ?? 300 });
    // EC2 answers every credential or signature problem alike: 401 AuthFailure.
    if (problem) return fail(401, 'AuthFailure', `AWS was not able to validate the provided access credentials (${problem[2]})`);
    if (req.method !== 'POST' || form.Version !== '2016-11-15')
      return fail(400, 'InvalidAction', `The action ${form.Action} is not valid for this web service.`);
    const { filters, resources, tags } = lists(form);
    const volumes = cfg.volumes();
    if (form.Action === 'DescribeVolumes') {
      if (cfg.faults.describeRefused) {
        return fail(
          403,
          'UnauthorizedOperation',
          'You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/github-ml-backup/GitHubActions is not authorized to perform: ec2:DescribeVolumes because no identity-based policy allows the ec2:DescribeVolumes action',
        );
      }
      for (const f of filters) {
        if (!f.name || !f.values.length)
          return fail(400, 'InvalidParameterValue', `The filter '${f.name ?? 'null'}' is invalid: a filter needs a name and at least one value`);
        if (matches({ id: '', tags: {} }, f) === undefined) return fail(400, 'InvalidParameterValue', `The filter '${f.name}' is invalid`);
      }
      const max = form.MaxResults ? Number(form.MaxResults) : undefined;
      if (max !== undefined && (!Number.isInteger(max) || max < 5 || max > 500)) {
        return fail(400, 'InvalidParameterValue', `Value ( ${form.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 500.`);
      }
      const found = volumes.filter((v) => filters.every((f) => matches(v, f))).sort((a, b) => a.id.localeCompare(b.id));
      const start = form.NextToken ? Number(Buffer.from(form.NextToken, 'base64url').toString()) : 0;
      if (!Number.isInteger(start) || start < 0 || (form.NextToken && !max))
        return fail(400, 'InvalidParameterValue', `The token '${form.NextToken}' is invalid`);
      const page = max ? found.slice(start, start + max) : found;
      const next = max && start + max < found.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
      const az = `${cfg.region}a`;
      return reply(
        200,
        `<DescribeVolumesResponse xmlns="${XMLNS}"><requestId>${randomUUID()}</requestId><volumeSet>${page.map((v) => volumeXml(v, az)).join('')}</volumeSet>${next ? `<nextToken>${next}</nextToken>` : ''}</DescribeVolumesResponse>`,
      );
    }
    if (form.Action === 'CreateTags') {
      if (!resources.length || !tags.length) return fail(400, 'MissingParameter', 'The request must contain the parameter resourceIdSet and tagSet');
      for (const id of resources) {
        const v = volumes.find((x) => x.id === id);
        if (!v) return fail(400, 'InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
        if (cfg.forbiddenTagWrites.has(id))
          return fail(
            403,
            'UnauthorizedOperation',
            'You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/github-ml-backup/GitHubActions is not authorized to perform: ec2:CreateTags on resource: arn:aws:ec2:' +
              cfg.region +
              ':123456789012:volume/' +
              id +
              ' because no identity-based policy allows the ec2:CreateTags action.',
          );
        if (Object.keys({ ...v.tags, ...Object.fromEntries(tags.map((t) => [t.key, t.value ?? ''])) }).length > 50)
          return fail(400, 'TagLimitExceeded', `The maximum number of Tags for resource ${id} has been reached.`);
      }
      // CreateTags adds or overwrites the given keys only: the other tags stay.
      for (const id of resources) {
        const v = volumes.find((x) => x.id === id);
        if (v) Object.assign(v.tags, Object.fromEntries(tags.map((t) => [t.key, t.value ?? ''])));
      }
      return reply(200, `<CreateTagsResponse xmlns="${XMLNS}"><requestId>${randomUUID()}</requestId><return>true</return></CreateTagsResponse>`);
    }
    return fail(400, 'InvalidAction', `The action ${form.Action} is not valid for this web service.`);
  }
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r(undefined))) };
}
