// `npm run bench` starts here. Node 20 cannot run TypeScript, and the benchmark must measure the
// same JavaScript production runs, with no loader hooks inside any measured process. So this
// transpiles src/ and bench/ with the project's own TypeScript (`transpileModule`: types erased,
// no type check — `npm run typecheck` covers bench/) into bench/.cache/build/, keeping the
// directory layout so every relative import resolves as in src/, and runs bench/run.ts from there.
// Only changed files are re-emitted; the compiler is loaded only when something changed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD = join(ROOT, 'bench', '.cache', 'build');
const MANIFEST = join(BUILD, 'manifest.json');
/** Bump when the compiler options below change. */
const OPTIONS_VERSION = 1;

/** [directory, which of its .ts files to build] */
const SOURCES = [
  ['src', (rel) => !rel.startsWith('web/') && !rel.endsWith('.test.ts')],
  ['bench', (rel) => !rel.startsWith('.cache/')],
];

function sourceFiles() {
  const files = [];
  for (const [dir, wanted] of SOURCES) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true })) {
      const rel = String(entry).split('\\').join('/');
      if (rel.endsWith('.ts') && !rel.endsWith('.d.ts') && wanted(rel)) files.push(`${dir}/${rel}`);
    }
  }
  return files;
}

async function build() {
  const manifest = existsSync(MANIFEST) ? JSON.parse(readFileSync(MANIFEST, 'utf8')) : {};
  let ts = null;
  let emitted = 0;
  for (const file of sourceFiles()) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    const hash = createHash('sha256').update(`${OPTIONS_VERSION}\0`).update(source).digest('hex');
    const out = join(BUILD, file.replace(/\.ts$/, '.js'));
    if (manifest[file] === hash && existsSync(out)) continue;
    ts ??= (await import('typescript')).default;
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: true,
        useDefineForClassFields: true,
      },
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    manifest[file] = hash;
    emitted++;
  }
  // src/main/version.ts reads the package.json two levels above itself.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const stub = { name: pkg.name, version: pkg.version, type: 'module', private: true };
  writeFileSync(join(BUILD, 'package.json'), `${JSON.stringify(stub)}\n`);
  writeFileSync(MANIFEST, JSON.stringify(manifest));
  if (emitted > 0) process.stderr.write(`bench: transpiled ${emitted} changed file(s)\n`);
}

await build();
await import(pathToFileURL(join(BUILD, 'bench', 'run.js')).href);
