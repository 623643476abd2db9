import type { Command } from 'commander';

export function registerHookAdmin(_program: Command): void {
  // commands of this area are registered here
}
