// The real kubectl against the Kubernetes emulator: async spawn (the emulator shares the event
// loop), stdout as bytes, killed after a minute.
import { spawn } from 'node:child_process';
import { must } from './must.js';

export interface KubectlResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** kubectl --kubeconfig <kubeconfig> --cache-dir <cacheDir> <args>, with stdin when given. */
export function kubectl(args: string[], at: { kubeconfig: string; cacheDir: string }, stdin?: Buffer): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', at.kubeconfig, '--cache-dir', at.cacheDir, ...args], {
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: '' },
    });
    const out: Buffer[] = [];
    let stderr = '';
    must(child.stdout, 'child.stdout').on('data', (d: Buffer) => out.push(d));
    must(child.stderr, 'child.stderr').on('data', (d: Buffer) => (stderr += d));
    if (stdin) must(child.stdin, 'child.stdin').end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}
