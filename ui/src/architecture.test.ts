// Architecture invariant: only src/platform/ imports @tauri-apps/*. Everything else calls the
// typed functions in src/platform/ipc.ts, so the UI can be tested and reasoned about without
// knowing how it reaches the Rust side.

import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|svelte|mts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** The module specifiers a file imports: static, type-only, re-exports and dynamic imports. */
function importedModules(source: string): string[] {
  const patterns = [
    /\bimport\s+(?:type\s+)?[\w*{}\s,$]*?\s*from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[\w*{}\s,$]*?\s*from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!));
}

const files = sourceFiles(SRC).map((path) => ({
  path: relative(SRC, path).split(sep).join('/'),
  source: readFileSync(path, 'utf8'),
}));

describe('importedModules', () => {
  it('finds every kind of import the rule has to catch', () => {
    const source = [
      "import { invoke } from '@tauri-apps/api/core';",
      'import type { Event } from "@tauri-apps/api/event";',
      "import * as tauri from '@tauri-apps/api';",
      "import '@tauri-apps/plugin-x';",
      "export { listen } from '@tauri-apps/api/event';",
      "const m = await import('@tauri-apps/api/mocks');",
      "import {\n  a,\n  b,\n} from './local';",
    ].join('\n');
    expect(importedModules(source)).toEqual(
      expect.arrayContaining([
        '@tauri-apps/api/core',
        '@tauri-apps/api/event',
        '@tauri-apps/api',
        '@tauri-apps/plugin-x',
        '@tauri-apps/api/mocks',
        './local',
      ]),
    );
  });
});

describe('the platform boundary', () => {
  it('is where the Tauri imports are (so the scan below looks at real files)', () => {
    const platform = files.filter((f) => f.path.startsWith('platform/'));
    expect(platform.map((f) => f.path)).toContain('platform/ipc.ts');
    const ipc = platform.find((f) => f.path === 'platform/ipc.ts')!;
    expect(importedModules(ipc.source)).toContain('@tauri-apps/api/core');
    expect(files.some((f) => f.path.endsWith('.svelte'))).toBe(true);
  });

  it('is the only place that imports @tauri-apps', () => {
    const offenders = files
      .filter((f) => !f.path.startsWith('platform/') && f.path !== 'architecture.test.ts')
      .filter((f) => importedModules(f.source).some((m) => m.startsWith('@tauri-apps/')))
      .map((f) => f.path);
    expect(offenders, 'only src/platform/ may import @tauri-apps/*; call platform/ipc.ts instead').toEqual([]);
  });
});
