// actions/upload-artifact (v4 and later) and actions/download-artifact, as stubs over an in-memory
// store of each run's artifacts: what jobs of one run hand each other, and what a re-run of failed
// jobs still finds. Faithful where a workflow must care: an artifact's name is taken once per run
// (a second upload fails unless overwrite: true, also in a re-run attempt), a missing name fails the
// download, a single file is stored by its base name and a directory by its contents.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ActionStub, StubCall, StubResult } from './types.js';

interface Artifact {
  id: number;
  files: Map<string, Buffer>;
}

export class ArtifactStore {
  private readonly runs = new Map<string, Map<string, Artifact>>();
  private nextId = 1;

  /** The stubs for a run's options (stubs: { ...store.stubs() }). */
  stubs(): Record<string, ActionStub> {
    return { 'actions/upload-artifact': (call) => this.upload(call), 'actions/download-artifact': (call) => this.download(call) };
  }

  /** The artifacts of a run, by name: each file's path in it and its text. */
  artifacts(runId: string): Record<string, Record<string, string>> {
    const run = this.runs.get(runId) ?? new Map<string, Artifact>();
    return Object.fromEntries([...run].map(([name, a]) => [name, Object.fromEntries([...a.files].map(([f, b]) => [f, b.toString('utf8')]))]));
  }

  private run(id: string): Map<string, Artifact> {
    if (!this.runs.has(id)) this.runs.set(id, new Map());
    return this.runs.get(id) as Map<string, Artifact>;
  }

  private upload({ inputs, github }: StubCall): StubResult {
    const runId = String(github.run_id ?? '');
    const workspace = String(github.workspace ?? '.');
    const name = inputs.name || 'artifact';
    const paths = (inputs.path ?? '')
      .split('\n')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => path.resolve(workspace, p));
    if (!paths.length) return { fail: 'Input required and not supplied: path' };
    const files = new Map<string, Buffer>();
    for (const p of paths) {
      let isDir: boolean;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        continue;
      }
      if (!isDir) files.set(path.basename(p), readFileSync(p));
      else for (const f of walk(p)) files.set(path.relative(p, f), readFileSync(f));
    }
    if (!files.size) {
      const how = inputs['if-no-files-found'] || 'warn';
      const message = `No files were found with the provided path: ${inputs.path}. No artifacts will be uploaded.`;
      // warn and ignore: the step succeeds, and nothing is stored
      return how === 'error' ? { fail: message } : {};
    }
    const run = this.run(runId);
    if (run.has(name) && inputs.overwrite !== 'true') {
      return {
        fail: 'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run',
      };
    }
    const artifact = { id: this.nextId++, files };
    run.set(name, artifact);
    const digest = createHash('sha256');
    for (const [f, b] of [...files].sort()) digest.update(f).update(b);
    return { outputs: { 'artifact-id': String(artifact.id), 'artifact-url': `artifact://${runId}/${artifact.id}`, 'artifact-digest': digest.digest('hex') } };
  }

  private download({ inputs, github }: StubCall): StubResult {
    const runId = inputs['run-id'] || String(github.run_id ?? '');
    const name = inputs.name;
    const to = path.resolve(String(github.workspace ?? '.'), inputs.path || '.');
    const run = this.runs.get(runId) ?? new Map<string, Artifact>();
    const chosen = name ? [[name, run.get(name)] as const] : [...run];
    for (const [n, artifact] of chosen) {
      if (!artifact) {
        return {
          fail: `Unable to download artifact(s): Artifact not found for name: ${n}\n        Please ensure that your artifact is not expired and the artifact was uploaded using a compatible version of toolkit/upload-artifact.`,
        };
      }
      // One artifact by name lands in path itself; all of them each in a directory of its name.
      const dir = name ? to : path.join(to, n);
      for (const [f, b] of artifact.files) {
        mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        writeFileSync(path.join(dir, f), b);
      }
    }
    return { outputs: { 'download-path': to } };
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
