// The action of nodedev-dumpxml (registered in ./nodedev.ts): with --xpath, what the expression
// selects (xmldom and xpath, loaded only then).
import { ExitCode, VirtMdevError } from '../../util/errors.js';
import { globals, printJson, type CommandLike } from '../context.js';
import { dumpxmlOf, nodedevDumpxmlWhole, out } from './nodedev-read-actions.js';

/** nodedev-dumpxml */
export async function nodedevDumpxml(device: string, opts: { xpath?: string; wrap?: boolean; inactive?: boolean }, cmd: CommandLike): Promise<void> {
  if (opts.wrap && opts.xpath === undefined) {
    throw new VirtMdevError(ExitCode.USAGE, 'usage', 'option --wrap needs --xpath');
  }
  if (opts.xpath === undefined) {
    nodedevDumpxmlWhole(device, opts, cmd);
    return;
  }
  const { node, xml } = dumpxmlOf(device, opts, cmd);
  const { evalXpath } = await import('../../nodedev/xpath.js');
  const text = await evalXpath(xml, opts.xpath, opts.wrap === true);
  if (globals(cmd).json === true) printJson({ name: node.name, xpath: opts.xpath, result: text });
  else out(text);
}
