// scripts/gpukit.sh: the runner for the lent GPU machine (shared/gpukit). The kit itself is not in
// the repository, so a stand-in kit (GPUKIT_DIR) records what the script asks of it: unpack, env,
// and every `node` the command starts, which must go through the kit's Node (run.sh node).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const script = join(root, 'scripts', 'gpukit.sh');
const built = existsSync(join(root, 'dist', 'node.mjs')) && existsSync(join(root, 'dist', 'cli.mjs')) && existsSync(join(root, 'dist', 'nca-gl.js'));

let dir: string;
let kitLog: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nca-gl-gpukit-'));
  kitLog = join(dir, 'kit.log');
  mkdirSync(join(dir, 'kit', 'p2'), { recursive: true });
  const runSh = join(dir, 'kit', 'p2', 'run.sh');
  // the stand-in: logs each verb; `node` runs this machine's Node with a marker in the environment
  writeFileSync(runSh, [
    '#!/usr/bin/env bash',
    `echo "$1" >> ${JSON.stringify(kitLog)}`,
    'case "$1" in',
    '  unpack|env) exit 0 ;;',
    `  node) shift; KIT_NODE=1 exec ${JSON.stringify(process.execPath)} "$@" ;;`,
    '  *) exit 9 ;;',
    'esac',
    '',
  ].join('\n'));
  chmodSync(runSh, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gpukit = (args: string[], env: Record<string, string> = {}) =>
  spawnSync('bash', [script, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, GPUKIT_DIR: join(dir, 'kit'), GPUKIT_HOME: join(dir, 'home'), ...env } });

describe('scripts/gpukit.sh', () => {
  it('refuses an unknown flag set, a missing command and a missing kit, naming what to do', () => {
    const bad = gpukit(['metal', 'node', '-v']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/flag set, vulkan, egl or swiftshader, got 'metal'/);
    const none = gpukit(['vulkan']);
    expect(none.status).toBe(2);
    expect(none.stdout).toMatch(/no command given/);
    const nokit = gpukit(['vulkan', 'node', '-v'], { GPUKIT_DIR: join(dir, 'absent') });
    expect(nokit.status).toBe(2);
    expect(nokit.stdout).toMatch(/absent\/p2\/run\.sh is missing: copy \.\.\/shared\/gpukit/);
  });

  it.skipIf(!built)('unpacks, then runs the command with the kit\'s node first on PATH and nca-gl pointed at its browser', () => {
    rmSync(kitLog, { force: true });
    // a shell command that itself starts `node`: the kit's, with the flag set and browser path set
    const probe = 'node -e "console.log(JSON.stringify({ kit: process.env.KIT_NODE, webgl: process.env.NCA_GL_WEBGL, chromium: process.env.NCA_GL_CHROMIUM }))"';
    const r = gpukit(['egl', 'bash', '-c', probe]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(seen).toEqual({ kit: '1', webgl: 'egl', chromium: join(dir, 'home', 'root/usr/lib/chromium/chromium-headless-shell') });
    // unpacked first; then the script's own `node --version` line and the command's node, both the kit's
    expect(readFileSync(kitLog, 'utf8').trim().split('\n')).toEqual(['unpack', 'env', 'node', 'node']);
    // the command's exit status is the script's
    expect(gpukit(['swiftshader', 'bash', '-c', 'exit 7']).status).toBe(7);
  });
});
