import { describe, expect, test } from 'vitest';
import { applyPatch, parsePatch, PatchError, patchWrites, type FileIO } from '../../src/engine/sdk/applyPatch.ts';

function memoryIO(files: Record<string, string>): FileIO & { files: Record<string, string> } {
  return {
    files,
    read: async (p) => files[p] ?? null,
    write: async (p, c) => {
      files[p] = c;
    },
    remove: async (p) => {
      delete files[p];
    },
  };
}

const PATCH = `*** Begin Patch
*** Add File: docs/new.md
+# New
+
+text
*** Update File: src/a.js
@@ function f
 function f() {
-  return 1;
+  return 2;
 }
*** Delete File: old.txt
*** Update File: src/b.js
*** Move to: src/c.js
@@
-const b = 1;
+const c = 1;
*** End Patch`;

describe('apply_patch', () => {
  test('parses every operation and the paths it writes', () => {
    const ops = parsePatch(PATCH);
    expect(ops.map((o) => o.type)).toEqual(['add', 'update', 'delete', 'update']);
    expect(patchWrites(ops)).toEqual(['docs/new.md', 'src/a.js', 'old.txt', 'src/b.js', 'src/c.js']);
    expect(ops[0]).toMatchObject({ content: '# New\n\ntext\n' });
  });

  test('applies adds, updates, deletes and moves', async () => {
    const io = memoryIO({ 'src/a.js': 'x\nfunction f() {\n  return 1;\n}\n', 'old.txt': 'bye\n', 'src/b.js': 'const b = 1;\n' });
    const out = await applyPatch(parsePatch(PATCH), io);
    expect(out).toMatch(/^Success/);
    expect(io.files).toEqual({
      'docs/new.md': '# New\n\ntext\n',
      'src/a.js': 'x\nfunction f() {\n  return 2;\n}\n',
      'src/c.js': 'const c = 1;\n',
    });
  });

  test('writes nothing when one hunk does not match', async () => {
    const io = memoryIO({ 'src/a.js': 'something else\n', 'old.txt': 'bye\n', 'src/b.js': 'const b = 1;\n' });
    await expect(applyPatch(parsePatch(PATCH), io)).rejects.toThrow(/src\/a\.js: the hunk does not match/);
    expect(Object.keys(io.files).sort()).toEqual(['old.txt', 'src/a.js', 'src/b.js']);
  });

  test('accepts a patch wrapped in a heredoc', () => {
    const ops = parsePatch(`apply_patch <<'EOF'\n*** Begin Patch\n*** Delete File: x\n*** End Patch\nEOF`);
    expect(ops).toEqual([{ type: 'delete', path: 'x' }]);
  });

  test('rejects malformed patches with a reason', () => {
    expect(() => parsePatch('just text')).toThrow(PatchError);
    expect(() => parsePatch('*** Begin Patch\n*** Add File: a\nno plus\n*** End Patch')).toThrow(/must start with "\+"/);
    expect(() => parsePatch('*** Begin Patch\n*** End Patch')).toThrow(/no file operations/);
  });
});
