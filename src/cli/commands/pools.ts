import type { Command } from 'commander';

export function registerPools(_program: Command): void {
  // commands of this area are registered here
}
