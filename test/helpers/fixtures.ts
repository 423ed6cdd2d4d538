/** Paths of the test fixtures shipped in the repository (test/fixtures/). */
import { join } from 'node:path';

/** Distill's published demo models and their emoji atlas (test/fixtures/distill/README.md). */
export const DISTILL = join(import.meta.dirname, '..', 'fixtures', 'distill');
