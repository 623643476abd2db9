// Many files in one call are validated on more than one core (src/validate/parallel.ts): the output
// must be what one thread gives, in input order: the same as the same files given a few at a time.
import test from 'ava';
import * as path from 'node:path';
import { repoRoot, virtMdev } from '../helpers/cli.js';
import { xmlFilesUnder } from '../helpers/xml-files.js';

/** fewer than src/validate/parallel.ts's PARALLEL_FROM: validated on one thread */
const FEW = 40;

function corpus(): string[] {
  return xmlFilesUnder('samples', 'test/data');
}

test('many files in one call: the same results, in input order, as the same files a few at a time', async (t) => {
  // twice over, so both threads get valid and invalid documents, and a missing file in the middle
  const files = [...corpus(), path.join(repoRoot, 'no-such-file.xml'), ...corpus()];
  t.true(files.length >= 200);
  const all = await virtMdev(['validate', '--format', 'json', ...files], { timeoutMs: 180_000 });
  const text = await virtMdev(['validate', ...files], { timeoutMs: 180_000 });
  const few: unknown[] = [];
  const fewText: string[] = [];
  const fewErr: string[] = [];
  for (let i = 0; i < files.length; i += FEW) {
    const chunk = files.slice(i, i + FEW);
    const j = await virtMdev(['validate', '--format', 'json', ...chunk]);
    few.push(...(JSON.parse(String(j.stdout)) as { files: unknown[] }).files);
    const r = await virtMdev(['validate', ...chunk]);
    fewText.push(...String(r.stdout).split('\n').filter((l) => l !== '' && !/^\d+ of \d+ valid$/.test(l)));
    fewErr.push(String(r.stderr));
  }
  t.is(all.exitCode, 2, 'the missing file makes it a usage error');
  t.deepEqual((JSON.parse(String(all.stdout)) as { files: unknown[] }).files, few);
  const lines = String(text.stdout).split('\n').filter((l) => l !== '');
  t.regex(lines.pop()!, /^\d+ of \d+ valid$/);
  t.deepEqual(lines, fewText);
  t.is(String(text.stderr), fewErr.join(''));
});
