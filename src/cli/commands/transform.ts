import type { Command } from 'commander';

export function registerTransform(_program: Command): void {
  // commands of this area are registered here
}
