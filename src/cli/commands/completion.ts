// completion bash: the shell completion script, made from this very program's definition.
import { Argument, type Command } from 'commander';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash): virt-mdev completion bash > /etc/bash_completion.d/virt-mdev')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash']))
    .action(async (_shell: string, _o: unknown, cmd: Command) => {
      const [{ completionSpec }, { bashCompletionScript }] = await Promise.all([import('../../completion/spec.js'), import('../../completion/bash.js')]);
      let top = cmd;
      while (top.parent) top = top.parent;
      process.stdout.write(bashCompletionScript(completionSpec(top), top.version() ?? '0'));
    });
}
