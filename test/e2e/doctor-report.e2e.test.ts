// `doctor --map` and `doctor --report` end to end (issue 14 part 3): the BUILT binary against the
// real test control plane — a healthy install (with LiteLLM in front of the Gateway) and one with the
// EPP crash-looping (test/scenarios 'epp-crashloop') — and the HTML report opened in a real headless
// Chromium (Debian package `chromium`, installed by scripts/setup): its DOM (--dump-dom) must show
// the hops with their health and the breaking finding's code, and its screenshot must be a PNG of the
// window's size that is not a blank page (distinct colours decoded from the IDAT; a blank page is
// the control). Also offline: the same report from a support bundle (`collect` + `--from-bundle`).
import {existsSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {run, type RunResult} from '../harness/cluster.ts';
import {buildCli} from '../harness/cli.ts';
import {installHealthy, type Installation} from '../scenarios/index.ts';
import {distinctColours, pngInfo} from './support/png.ts';

const kubeconfig = inject('kubeconfig');
const RUN = Date.now().toString(36).slice(-5);
const CHROMIUM = '/usr/bin/chromium';
const WIDTH = 1280;
const HEIGHT = 1600;
const HOPS = ['load-balancer', 'external-gateway', 'litellm', 'internal-gateway', 'epp', 'inference-pool', 'inference-service', 'model-servers'];

let BIN = '';
let healthy!: Installation;
let faulty!: Installation;
const dir = mkdtempSync(join(tmpdir(), 'infgw-report-e2e-'));

async function cli(args: string[], opts: {kubeconfig?: string; env?: Record<string, string>} = {}): Promise<RunResult> {
  return run(BIN, args, {kubeconfig: opts.kubeconfig ?? kubeconfig, allowFail: true, timeoutMs: 120_000, env: {NO_COLOR: '1', LANG: 'C.UTF-8', ...opts.env}});
}

/** Chromium headless, its own profile, bounded in time. */
async function chromium(args: string[]): Promise<RunResult> {
  const profile = mkdtempSync(join(dir, 'profile-'));
  return run(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', `--user-data-dir=${profile}`, ...args], {timeoutMs: 90_000, allowFail: true});
}

async function dumpDom(file: string): Promise<string> {
  const r = await chromium(['--dump-dom', `file://${file}`]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

async function screenshot(file: string): Promise<Buffer> {
  const png = join(dir, `${file.split('/').pop()}.png`);
  const r = await chromium([`--screenshot=${png}`, `--window-size=${WIDTH},${HEIGHT}`, `file://${file}`]);
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(png), r.stderr).toBe(true);
  return readFileSync(png);
}

/** hop id → its health, as the rendered DOM has it */
function hopsInDom(dom: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of dom.matchAll(/<g class="hop hop-[a-z-]+" data-hop="([a-z-]+)" data-health="([a-z-]+)"/g)) out[m[1]!] = m[2]!;
  return out;
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup installs the Debian package chromium (apt-get install -y chromium, as root)`).toBe(true);
  const build = buildCli({name: 'infgw-report-cli', reuse: 'env'});
  build.catch(() => {});
  const h = installHealthy(kubeconfig, {namespace: `rp-${RUN}-healthy`, pods: 2, withEppMetrics: true});
  h.catch(() => {});
  const f = installHealthy(kubeconfig, {namespace: `rp-${RUN}-fault`, pods: 2});
  f.catch(() => {});
  const [b, hi, fi] = await Promise.all([build, h, f]);
  BIN = b.bin;
  healthy = hi;
  faulty = fi;
  await faulty.inject('epp-crashloop');
}, 900_000);

afterAll(async () => {
  await Promise.all([healthy?.cleanup(), faulty?.cleanup()]);
}, 300_000);

describe('the blank-page control', () => {
  it('a blank page\'s screenshot decodes to one colour (the colour count can tell)', async () => {
    const blank = join(dir, 'blank.html');
    writeFileSync(blank, '<!DOCTYPE html><html><body></body></html>');
    const png = await screenshot(blank);
    expect(pngInfo(png)).toMatchObject({width: WIDTH, height: HEIGHT});
    expect(distinctColours(png)).toBe(1);
  });
});

describe('healthy install', () => {
  let report = '';
  let text!: RunResult;
  beforeAll(async () => {
    report = join(dir, 'healthy.html');
    text = await cli(['doctor', '-n', healthy.names.namespace, '--map', '--report', report]);
  }, 180_000);

  it('--map prints the map after the findings, exit 0', () => {
    expect(text.code, text.stdout + text.stderr).toBe(0);
    const at = text.stdout.indexOf(`Traffic map — pool ${healthy.names.namespace}/${healthy.names.pool}`);
    expect(at, text.stdout).toBeGreaterThan(text.stdout.indexOf('0 errors'));
    const map = text.stdout.slice(at);
    expect(map.match(/┌/g)).toHaveLength(8);
    expect(map).toMatch(/│ Endpoint Picker \(EPP\)\s+│\s+✔ ok/);
    expect(map).toMatch(/│ LiteLLM\s+│\s+✔ ok/);
    expect(map).not.toMatch(/\u001b\[/);
  });

  it('--map: ASCII when the terminal is not UTF-8; colour only when asked for (FORCE_COLOR; pipes get none) and never with NO_COLOR', async () => {
    const ns = healthy.names.namespace;
    const ascii = await cli(['doctor', '-n', ns, '--map', '-o', 'short'], {env: {LANG: 'C', LC_ALL: 'C'}});
    expect(ascii.code, ascii.stderr).toBe(0);
    const map = ascii.stdout.slice(ascii.stdout.indexOf('Traffic map'));
    expect(map).toMatch(/^[\x00-\x7f]*$/);
    expect(map.match(/\+-+v-+\+/g)).toHaveLength(8);
    expect(map).toMatch(/\| Endpoint Picker \(EPP\)\s+\|\s+\[ok\] ok/);
    const coloured = await cli(['doctor', '-n', ns, '--map'], {env: {NO_COLOR: '', FORCE_COLOR: '1'}});
    expect(coloured.stdout.slice(coloured.stdout.indexOf('Traffic map'))).toMatch(/\u001b\[32m✔ ok/);
    const noColor = await cli(['doctor', '-n', ns, '--map'], {env: {NO_COLOR: '1', FORCE_COLOR: '1'}});
    expect(noColor.stdout).not.toMatch(/\u001b\[/);
  });

  it('--report to a file that cannot be written: exit 2, one clear line, no stack trace', async () => {
    const r = await cli(['doctor', '-n', healthy.names.namespace, '--report', '/nonexistent-dir/report.html', '-o', 'short']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot write the report to /nonexistent-dir/report.html: ENOENT');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--map -o json: "map" with every hop', async () => {
    const r = await cli(['doctor', '-n', healthy.names.namespace, '--map', '-o', 'json']);
    const j = JSON.parse(r.stdout) as {map: {pools: {pool: string; hops: {id: string; health: string}[]}[]}};
    expect(j.map.pools.map((p) => p.pool)).toEqual([`${healthy.names.namespace}/${healthy.names.pool}`]);
    const h = Object.fromEntries(j.map.pools[0]!.hops.map((x) => [x.id, x.health]));
    expect(h).toMatchObject({litellm: 'ok', 'internal-gateway': 'ok', epp: 'ok', 'inference-pool': 'ok', 'inference-service': 'ok', 'model-servers': 'ok'});
    expect(Object.keys(h)).toEqual(HOPS);
  });

  it('Chromium renders the report: every hop, healthy verdict, no problem rows', async () => {
    const html = readFileSync(report, 'utf8');
    expect(html).not.toMatch(/<script|<link|\ssrc=/i);
    const dom = await dumpDom(report);
    const hops = hopsInDom(dom);
    expect(Object.keys(hops)).toEqual(HOPS);
    expect(hops).toMatchObject({'internal-gateway': 'ok', epp: 'ok', 'inference-pool': 'ok', 'model-servers': 'ok'});
    expect(dom).toContain('id="verdict">Healthy<');
    expect(dom).toContain(`data-pool="${healthy.names.namespace}/${healthy.names.pool}"`);
    expect(dom).not.toMatch(/data-severity="error"/);
  });

  it('the screenshot is a PNG of the window size and not blank', async () => {
    const png = await screenshot(report);
    expect(png.length).toBeGreaterThan(10_000);
    expect(pngInfo(png)).toMatchObject({width: WIDTH, height: HEIGHT, bitDepth: 8});
    // text, the green hops and the grey ones: hundreds of colours (a blank page has 1)
    expect(distinctColours(png)).toBeGreaterThan(100);
  });
});

describe('EPP crash-looping (epp-crashloop)', () => {
  let report = '';
  let r!: RunResult;
  beforeAll(async () => {
    report = join(dir, 'fault.html');
    r = await cli(['doctor', '-n', faulty.names.namespace, '--report', report, '-o', 'json', '--map']);
  }, 180_000);

  it('exit 1; the EPP hop is the broken one, with IGW-405', () => {
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout) as {map: {pools: {hops: {id: string; health: string; finding: {code: string} | null}[]}[]}};
    const epp = j.map.pools[0]!.hops.find((h) => h.id === 'epp')!;
    expect(epp).toMatchObject({health: 'error', finding: {code: 'IGW-405'}});
    expect(j.map.pools[0]!.hops.find((h) => h.id === 'internal-gateway')!.health).toBe('ok');
  });

  it('Chromium: the EPP hop red with IGW-405 linked to its row, which carries the fix', async () => {
    const dom = await dumpDom(report);
    expect(hopsInDom(dom)).toMatchObject({epp: 'error', 'internal-gateway': 'ok', 'inference-pool': 'ok'});
    expect(dom).toMatch(/data-hop="epp" data-health="error" data-code="IGW-405"/);
    expect(dom).toContain('href="#igw-405"');
    const row = dom.match(/<tr id="igw-405"[^>]*>[\s\S]*?<\/tr>/)?.[0];
    expect(row, 'a findings row anchored igw-405').toBeDefined();
    expect(row).toContain('data-severity="error"');
    expect(row).toContain(faulty.names.eppDeployment);
    expect(row).toMatch(/<pre class="fix">[\s\S]*kubectl logs/);
    expect(dom).toContain('id="verdict">Problems found<');
  });

  it('the screenshot shows it (PNG of the window size, not blank)', async () => {
    const png = await screenshot(report);
    expect(pngInfo(png)).toMatchObject({width: WIDTH, height: HEIGHT});
    expect(distinctColours(png)).toBeGreaterThan(100);
  });

  it('offline: the same map from a support bundle (collect, then --from-bundle --report, no cluster)', async () => {
    const bundle = join(dir, 'fault.tar.gz');
    const c = await cli(['collect', '-n', faulty.names.namespace, '-o', bundle]);
    expect(c.code, c.stderr).toBe(0);
    const offline = join(dir, 'fault-offline.html');
    const o = await cli(['doctor', '--from-bundle', bundle, '--report', offline], {kubeconfig: '/nonexistent/kubeconfig'});
    expect(o.code, o.stderr).toBe(1);
    expect(statSync(offline).size).toBeGreaterThan(5_000);
    const dom = await dumpDom(offline);
    expect(hopsInDom(dom)).toMatchObject({epp: 'error', 'internal-gateway': 'ok'});
    expect(dom).toMatch(/data-hop="epp" data-health="error" data-code="IGW-405"/);
    expect(dom).toContain(`support bundle ${bundle}`);
  });
});
