// `virsh nodedev-list --tree` layout: each device under its parent, siblings in name order, the
// same connector characters and blank spacer lines virsh prints, so output can be compared 1:1.
export interface TreeItem { name: string; parent?: string }

export function renderTree(items: TreeItem[]): string {
  const out: string[] = [];
  const byParent = new Map<string, TreeItem[]>();
  for (const it of items) {
    if (it.parent === undefined) continue;
    const list = byParent.get(it.parent) ?? [];
    list.push(it);
    byParent.set(it.parent, list);
  }
  const names = new Set(items.map((i) => i.name));
  // a device whose parent is not in the list is shown as a root of its own, like virsh does
  const roots = items.filter((i) => i.parent === undefined || !names.has(i.parent));

  const walk = (item: TreeItem, indent: string, isRoot: boolean, isLast: boolean): void => {
    out.push(`${indent}${isRoot ? '' : '+- '}${item.name}`);
    let childIndent = indent;
    if (!isRoot) childIndent += (isLast ? ' ' : '|') + ' ';
    const children = byParent.get(item.name) ?? [];
    if (children.length > 0) out.push(`${childIndent}  |`);
    children.forEach((c, i) => walk(c, childIndent + '  ', false, i === children.length - 1));
    if (children.length === 0 && isLast) out.push(childIndent);
  };
  for (const r of roots) walk(r, '', true, true);
  return out.map((l) => l + '\n').join('');
}
