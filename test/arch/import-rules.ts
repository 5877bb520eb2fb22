import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The dependency rule of DESIGN.md §4, as data. Imports point inwards only; only `main/`
 * imports `adapters`; `core` does no I/O and uses no framework.
 */
const LAYER_MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: ['core'],
  ports: ['core', 'ports'],
  services: ['core', 'ports', 'services'],
  adapters: ['core', 'ports', 'adapters'],
  gateway: ['core', 'ports', 'services', 'gateway', 'config'],
  http: ['core', 'ports', 'services', 'http'],
  web: ['web'],
  cli: ['core', 'cli', 'config'],
  scan: ['core', 'scan'],
  rules: ['core', 'rules'],
  config: ['core', 'config'],
  main: [
    'core',
    'ports',
    'adapters',
    'services',
    'gateway',
    'http',
    'web',
    'cli',
    'scan',
    'config',
    'main',
  ],
  index: ['core', 'ports', 'services', 'config', 'main'],
};

/** Packages each layer may use (besides node: built-ins, listed separately). */
const LAYER_PACKAGES: Readonly<Record<string, readonly string[] | 'any'>> = {
  core: [],
  ports: [],
  services: [],
  scan: [],
  // Type-only: the secretlint rule API.
  rules: ['@secretlint/types'],
  config: ['typebox'],
  cli: ['commander'],
  http: 'any',
  gateway: 'any',
  adapters: 'any',
  main: 'any',
  web: 'any',
  index: [],
};

/** Node built-ins allowed in pure layers: computation only, no I/O. */
const PURE_BUILTINS = new Set(['node:crypto', 'node:buffer']);
const PURE_LAYERS = new Set(['core', 'ports', 'services']);

export interface SourceFile {
  /** Path relative to src/, with forward slashes. */
  readonly path: string;
  readonly source: string;
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function layerOf(path: string): string {
  const first = path.split('/')[0] ?? '';
  return first.endsWith('.ts') ? first.replace(/\.ts$/, '') : first;
}

export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec) found.push(spec);
  }
  return found;
}

/** Every forbidden edge, as `file → import (reason)`. */
export function violations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    // Tests and test support (`*.test.ts`, `test-*.ts`: excluded from the build) may use test tools.
    if (/(^|\/)test-[^/]*\.ts$|\.test\.ts$/.test(file.path)) continue;
    const layer = layerOf(file.path);
    const allowedLayers = LAYER_MAY_IMPORT[layer];
    if (!allowedLayers) {
      out.push(`${file.path}: unknown layer "${layer}"`);
      continue;
    }
    for (const spec of importsOf(file.source)) {
      if (spec.startsWith('.')) {
        const target = relative('/src', resolve('/src', dirname(file.path), spec)).replaceAll(
          '\\',
          '/',
        );
        const targetLayer = layerOf(target);
        if (!allowedLayers.includes(targetLayer)) {
          out.push(`${file.path} → ${spec} (${layer} may not import ${targetLayer})`);
        }
      } else if (spec.startsWith('node:')) {
        if (PURE_LAYERS.has(layer) && !PURE_BUILTINS.has(spec)) {
          out.push(`${file.path} → ${spec} (${layer} does no I/O)`);
        }
      } else {
        const allowed = LAYER_PACKAGES[layer] ?? [];
        const pkg = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : (spec.split('/')[0] ?? spec);
        if (allowed !== 'any' && !allowed.includes(pkg)) {
          out.push(`${file.path} → ${spec} (${layer} may not use package ${pkg})`);
        }
        if (!spec.startsWith('node:') && /^(fs|net|http|https|child_process|path|os)$/.test(spec)) {
          out.push(`${file.path} → ${spec} (use the node: protocol)`);
        }
      }
    }
  }
  return out;
}

export function readSourceTree(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.tsx?$/.test(entry.name)) {
        files.push({
          path: relative(root, full).replaceAll('\\', '/'),
          source: readFileSync(full, 'utf8'),
        });
      }
    }
  };
  walk(root);
  return files;
}
