import type { Command } from 'commander';

export function registerSimulate(_program: Command): void {
  // commands of this area are registered here
}
