import type { Command } from 'commander';

export function registerNodedev(_program: Command): void {
  // commands of this area are registered here
}
