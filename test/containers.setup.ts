// Vitest global setup: the containers' base image is made once, before any test file needs it.
import { ensureBaseImage } from './helpers/containers.ts';

export default function setup(): void {
  ensureBaseImage();
}
