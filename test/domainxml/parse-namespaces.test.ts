// The domain parser resolves XML namespaces itself (saxes runs without its xmlns mode, see
// src/util/xml-namespaces.ts): it must refuse exactly what saxes's xmlns mode refuses, first problem
// first, at the same place and in the same words, and find our metadata under any prefix.
import test from 'ava';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { parseDomainXml } from '../../src/domainxml/parse.js';
import { VIRT_MDEV_NS } from '../../src/domainxml/namespace.js';
import { ExitCode, VirtMdevError } from '../../src/util/errors.js';

const UUID = '00000000-aaaa-4bbb-8ccc-000000000001';
const ENTRY = (p: string): string => `<${p}device uuid='${UUID}' type='nvidia-63'/>`;

function domain(metadata: string, rootAttrs = '', prolog = ''): string {
  return `${prolog}<domain type='kvm'${rootAttrs}>\n  <name>ns</name>\n  <metadata>${metadata}</metadata>\n  <devices>\n`
    + `    <hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-pci'><source><address uuid='${UUID}'/></source></hostdev>\n`
    + '  </devices>\n</domain>\n';
}

/** the first error of saxes in xmlns mode, as 'line:col: message', or undefined when it accepts the text */
function saxesXmlnsError(text: string): string | undefined {
  const parser = new SaxesParser({ xmlns: true, position: true });
  let first: string | undefined;
  parser.on('error', (e) => {
    if (first !== undefined) return;
    const m = /^(\d+):(\d+): (.*?)\.?$/.exec(e.message)!;
    first = `${m[1]}:${Number(m[2])}: ${m[3]}`;
  });
  parser.write(text).close();
  return first;
}

/**
 * our parse's outcome: the XML problem it reports as 'line:col: message' (an entity problem is placed
 * at its '&': there the column is left out, of both), or 'accepted' / a refusal of ours
 */
function ourOutcome(text: string): string {
  try {
    parseDomainXml(text, 'd.xml');
    return 'accepted';
  } catch (e) {
    if (!(e instanceof VirtMdevError)) throw e;
    const m = /^d\.xml:(\d+):(\d+): (?:malformed XML in (?:the start tag <[^>]*>|<[^>]*>|the prolog)|<[^>]*>): (.*)$/.exec(e.message);
    if (e.exitCode !== ExitCode.BAD_XML || !m || (e.reason !== 'malformed' && e.reason !== 'entity')) return `refused: ${e.message}`;
    if (e.reason === 'entity') return `${m[1]}: ${m[3].replace(/: entity references other than .*$/, '')}`;
    return `${m[1]}:${m[2]}: ${m[3]}`;
  }
}

const CASES: Array<[string, string]> = [
  ['prefix declared on the element', domain(`<v:mdev xmlns:v='${VIRT_MDEV_NS}'>${ENTRY('v:')}</v:mdev>`)],
  ['default namespace', domain(`<mdev xmlns='${VIRT_MDEV_NS}'>${ENTRY('')}</mdev>`)],
  ['prefix declared on the root', domain(`<v:mdev>${ENTRY('v:')}</v:mdev>`, ` xmlns:v='${VIRT_MDEV_NS}'`)],
  ['prefix redeclared on a nested element', domain(`<v:mdev xmlns:v='${VIRT_MDEV_NS}'><v:device xmlns:v='urn:other' uuid='${UUID}' type='t'/></v:mdev>`)],
  ['unbound element prefix', domain(`<u:mdev>${ENTRY('u:')}</u:mdev>`)],
  ['declaration out of scope after its element', domain(`<v:a xmlns:v='urn:a'/><v:b/>`)],
  ['unbound attribute prefix', domain(`<x q:y='1'/>`)],
  ['two prefixes for one namespace, one local name', domain(`<x a:n='1' b:n='2' xmlns:a='urn:q' xmlns:b='urn:q'/>`)],
  ['literal duplicate after an unbound prefix', domain(`<x q:y='1' t='1' t='2'/>`)],
  ['literal duplicate before an unbound prefix', domain(`<x t='1' t='2' q:y='1'/>`)],
  ['duplicate attribute on an unbound element', domain(`<u:x t='1' t='2'/>`)],
  ['prefix declared twice on one element', domain(`<x xmlns:v='urn:a' xmlns:v='urn:b'/>`)],
  ['empty prefix declaration in XML 1.0', domain(`<x xmlns:v=''/>`)],
  ['empty prefix declaration in XML 1.1', domain(`<v:x xmlns:v='urn:a'><v:y xmlns:v=''/></v:x>`, '', '<?xml version="1.1"?>\n')],
  ['unbound prefix after undeclaring in XML 1.1', domain(`<x xmlns:q='' q:a='1'/>`, '', '<?xml version="1.1"?>\n')],
  ['xml prefix', domain(`<x xml:lang='en'/><xml:y/>`)],
  ['xml prefix bound elsewhere', domain(`<x xmlns:xml='urn:x'/>`)],
  ['xmlns namespace bound', domain(`<x xmlns:v='http://www.w3.org/2000/xmlns/'/>`)],
  ['xml namespace as default', domain(`<x xmlns='http://www.w3.org/XML/1998/namespace'/>`)],
  ['xml namespace to another prefix', domain(`<x xmlns:v='http://www.w3.org/XML/1998/namespace'/>`)],
  ['xmlns as an element prefix', domain('<xmlns:x/>')],
  ['malformed element names', domain("<a:b:c xmlns:a='urn:a'/>")],
  ['empty local name', domain('<a:/>')],
  ['malformed attribute name', domain("<x :a='1'/>")],
  ['colon in a processing instruction target', domain('<?a:b c?>')],
  ['colon in an entity name', domain('<x>&a:b;</x>')],
  ['default namespace on the root', domain('', " xmlns='urn:x'")],
  ['__proto__ as a prefix', domain("<x xmlns:__proto__='urn:p' __proto__:a='1'/>")],
];

for (const [name, text] of CASES) {
  test(`namespaces as saxes's xmlns mode: ${name}`, (t) => {
    const ours = ourOutcome(text);
    let expected = saxesXmlnsError(text);
    if (expected !== undefined && /^\d+: /.test(ours)) expected = expected.replace(/^(\d+):\d+/, '$1');
    if (expected === undefined) t.false(/^\d+:\d+: /.test(ours), ours);
    else t.is(ours, expected);
  });
}

test('our metadata is found under any prefix and not under another namespace', (t) => {
  const prefixes = fc.constantFrom('v', 'virt-mdev', 'a.b', 'x_1', 'mdev', 'device');
  fc.assert(fc.property(prefixes, prefixes, fc.boolean(), fc.boolean(), (p, q, onRoot, redeclare) => {
    const decl = ` xmlns:${p}='${VIRT_MDEV_NS}'`;
    const inner = redeclare ? `<${p}:device xmlns:${p}='urn:other' uuid='${UUID}' type='t'/>` : ENTRY(`${p}:`);
    const text = domain(`<${q}:other xmlns:${q}='urn:q'/><${p}:mdev${onRoot ? '' : decl}>${inner}</${p}:mdev>`, onRoot ? decl : '');
    const doc = parseDomainXml(text, 'd.xml');
    t.is(doc.metadata.length, redeclare ? 0 : 1);
  }));
});
