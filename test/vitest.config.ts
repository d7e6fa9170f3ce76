import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: join(import.meta.dirname, '..'),
    include: ['test/**/*.test.ts'],
    // Integration tests spawn git, shells and servers: separate processes keep their signals apart.
    pool: 'forks',
    // The base image of container environments (suites/python/env/base.sh), made once when podman is here.
    globalSetup: ['test/containers.setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: {
      // Never touch the user's cache; every test run gets its own.
      BENCH_CACHE_DIR: join(tmpdir(), `bench-test-cache-${process.pid}`),
    },
  },
});
