// The pure parts of reaching MinIO: the pods/portforward channel framing, picking the pod and port
// behind a service, and reading the object-storage relation data minio publishes.
import { describe, expect, test } from '@jest/globals';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { containsSecret } from '@ml-backup-actions/core';
import { channelFrame, containerPortFor, pickPod, pickServicePort, PortForwardChannels } from '@ml-backup-actions/kube';
import { modelName } from '../../actions/sync-minio/src/config.js';
import { parseFlatYaml, parseObjectStorageData } from '@ml-backup-actions/juju';

const le = (port: number) => Buffer.from([port & 0xff, port >> 8]);

describe('port-forward framing (v4.channel.k8s.io)', () => {
  test('a frame is the channel byte, then the payload as it is', () => {
    expect(channelFrame(0, Buffer.from('GET / HTTP/1.1\r\n'))).toEqual(Buffer.concat([Buffer.of(0), Buffer.from('GET / HTTP/1.1\r\n')]));
    expect(channelFrame(0, Buffer.alloc(0))).toEqual(Buffer.of(0));
  });

  test("each channel's first two bytes announce the port, little-endian, and are not data", () => {
    const ch = new PortForwardChannels(9000);
    expect(le(9000)).toEqual(Buffer.from([0x28, 0x23]));
    expect(ch.read(Buffer.concat([Buffer.of(0), le(9000)]))).toBeUndefined();
    expect(ch.ready).toBe(false);
    expect(ch.read(Buffer.concat([Buffer.of(1), le(9000)]))).toBeUndefined();
    expect(ch.ready).toBe(true);
    const fresh = new PortForwardChannels(9000);
    fresh.read(Buffer.concat([Buffer.of(0), le(9000)]));
    expect(fresh.read(Buffer.from([0, 0x28, 0x23]))).toEqual({ channel: 'data', payload: Buffer.from([0x28, 0x23]) });
    expect(fresh.read(Buffer.concat([Buffer.of(1), le(9000), Buffer.from('dial failed')]))).toEqual({ channel: 'error', payload: Buffer.from('dial failed') });
  });

  test('a prefix split across frames, or followed by data in the same frame', () => {
    const ch = new PortForwardChannels(8080);
    expect(ch.read(Buffer.from([0, 0x90]))).toBeUndefined();
    expect(ch.read(Buffer.from([0, 0x1f, 0x41, 0x42]))).toEqual({ channel: 'data', payload: Buffer.from('AB') });
    expect(ch.read(Buffer.of(0))).toBeUndefined();
    expect(ch.read(Buffer.alloc(0))).toBeUndefined();
  });

  test('a wrong port or an unknown channel is an error', () => {
    expect(() => new PortForwardChannels(9000).read(Buffer.concat([Buffer.of(0), le(9001)]))).toThrow(
      'announced port 9001 on channel 0, not the port asked for (9000)',
    );
    expect(() => new PortForwardChannels(9000).read(Buffer.from([2, 0x28, 0x23]))).toThrow('frame on channel 2; only channels 0 and 1 carry port 9000');
  });
});

describe('the pod and port behind a service', () => {
  const svc: V1Service = {
    metadata: { name: 'minio' },
    spec: {
      selector: { 'app.kubernetes.io/name': 'minio' },
      ports: [
        { name: 'minio', port: 9000, targetPort: 'api' },
        { name: 'console', port: 9001, targetPort: 9101 },
      ],
    },
  };
  const pod = (name: string, phase: string, ready = true, extra: Partial<V1Pod> = {}): V1Pod => ({
    metadata: { name, ...(extra.metadata ?? {}) },
    spec: { containers: [{ name: 'minio', ports: [{ name: 'api', containerPort: 9100 }] }] },
    status: { phase, containerStatuses: [{ name: 'minio', ready, image: 'x', imageID: 'x', restartCount: 0 }] },
  });

  test('a service port by number or name; a single port is taken as it is', () => {
    expect(pickServicePort(svc, 9000).name).toBe('minio');
    expect(pickServicePort(svc, 'console').port).toBe(9001);
    expect(pickServicePort({ metadata: { name: 'one' }, spec: { ports: [{ port: 80 }] } }, 9000).port).toBe(80);
    expect(() => pickServicePort(svc, 9002)).toThrow('service minio has no port numbered or named 9002 (its ports: 9000 (minio), 9001 (console))');
  });

  test('targetPort: a number, a numeric string, a container port name, or absent (the service port)', () => {
    const p = pod('minio-0', 'Running');
    expect(containerPortFor(p, { port: 9000, targetPort: 'api' })).toBe(9100);
    expect(containerPortFor(p, { port: 9001, targetPort: 9101 })).toBe(9101);
    expect(containerPortFor(p, { port: 9001, targetPort: '9102' })).toBe(9102);
    expect(containerPortFor(p, { port: 9003 })).toBe(9003);
    expect(() => containerPortFor(p, { port: 9000, targetPort: 'http' }, 'minio')).toThrow(
      'service minio targets the port named "http", which no container of pod minio-0 declares',
    );
  });

  test('a running pod, ready ones first, never one being deleted', () => {
    const deleting = pod('minio-0', 'Running', true, { metadata: { name: 'minio-0', deletionTimestamp: new Date() } });
    expect(pickPod([deleting, pod('minio-2', 'Running', false), pod('minio-1', 'Running')], 'x').metadata?.name).toBe('minio-1');
    expect(pickPod([pod('minio-2', 'Running', false), pod('minio-3', 'Pending')], 'x').metadata?.name).toBe('minio-2');
    expect(() => pickPod([pod('minio-3', 'Pending'), deleting], "service minio's selector")).toThrow(
      "no running pod matches service minio's selector (found: minio-3 Pending, minio-0 Terminating); check that the workload is up",
    );
    expect(() => pickPod([], 'x')).toThrow('no running pod matches x (none found)');
  });

  test("the namespace defaults to the juju model's name", () => {
    expect(modelName('kubeflow')).toBe('kubeflow');
    expect(modelName('admin/kubeflow')).toBe('kubeflow');
    expect(modelName('microk8s-localhost:admin/ckf')).toBe('ckf');
  });
});

// What minio's charm publishes (serialized-data-interface: yaml.safe_dump, keys sorted), as PyYAML
// 6.0.3 writes it for these values.
const payload = (secretLine: string) => `access-key: minio\nnamespace: kubeflow\nport: 9000\n${secretLine}\nsecure: false\nservice: minio\n`;

describe('object-storage relation data', () => {
  test('the generated secret, plain', () => {
    expect(parseObjectStorageData(payload('secret-key: Q7M2X9K4T1B8N6V3C5Z0L2H7J9R4WD'))).toEqual({
      accessKey: 'minio',
      secretKey: 'Q7M2X9K4T1B8N6V3C5Z0L2H7J9R4WD',
      port: 9000,
      service: 'minio',
      namespace: 'kubeflow',
    });
  });

  test.each([
    ['single-quoted, with a quote, a colon and a hash', "secret-key: 'it''s: #secret'", "it's: #secret"],
    ['double-quoted, with escapes', 'secret-key: "tab\\there \\xE9 \\a"', 'tab\there \u00e9 \x07'],
    ['a YAML 1.1 boolean word, quoted', "secret-key: 'yes'", 'yes'],
    [
      'plain, folded over lines past 80 columns',
      'secret-key: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11\n  word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23\n  word24 word25 word26 word27 word28 word29',
      Array.from({ length: 30 }, (_, i) => `word${i}`).join(' '),
    ],
    ['single-quoted over lines, an empty line for a newline', "secret-key: 'line1\n\n  line2'", 'line1\nline2'],
    [
      'single-quoted and folded',
      "secret-key: '''quoted'' w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16\n  w17 w18 w19 w20 w21 w22 w23 w24'",
      `'quoted' ${Array.from({ length: 25 }, (_, i) => `w${i}`).join(' ')}`,
    ],
  ])('secret-key %s', (_how, line, expected) => {
    const parsed = parseObjectStorageData(payload(line));
    expect(parsed.secretKey).toBe(expected);
    expect(parsed.accessKey).toBe('minio');
    expect(parsed.port).toBe(9000);
  });

  test('the flow style of PyYAML before 5.1', () => {
    const flow = "{access-key: minio, namespace: kubeflow, port: 9000, secret-key: 'a,b', secure: false,\n  service: minio}\n";
    expect(parseFlatYaml(flow)).toEqual({ 'access-key': 'minio', namespace: 'kubeflow', port: '9000', 'secret-key': 'a,b', secure: 'false', service: 'minio' });
  });

  test('the secret is masked as soon as it is read', () => {
    const secret = 'S3cr3t-only-in-this-test-7781';
    expect(containsSecret(`x ${secret} y`)).toBe(false);
    parseObjectStorageData(payload(`secret-key: ${secret}`));
    expect(containsSecret(`x ${secret} y`)).toBe(true);
  });

  test('missing keys and malformed data are errors that never quote the data', () => {
    const noSecret = "access-key: minio\nport: 9000\nsecret-key: ''\n";
    expect(() => parseObjectStorageData(noSecret)).toThrow('the object-storage relation data has no secret-key (keys present: access-key, port, secret-key)');
    const cases = [
      '- just a list with hidden-value-1\n',
      'secret-key: "never closed hidden-value-2\n',
      'access-key: minio\n nested: hidden-value-3\n',
      'k: |\n  hidden-value-4\n',
    ];
    for (const text of cases) {
      let message = '';
      try {
        parseObjectStorageData(text);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/line \d|no access-key/);
      expect(message).not.toMatch(/hidden-value/);
    }
  });
});
