#!/usr/bin/env python3
"""Import circles in the crates' sources: no module may import one that imports it back,
directly or through a chain.

    python3 scripts/module-cycles.py [-v] [SRC_DIR ...]   (default: nodes/src sim-core/src reports/src)

For each crate it builds the module graph from `crate::` and `super::` paths (use lines and
inline paths) and relative paths to child modules, in non-test code, and reports the cycles
(strongly connected components) among modules and among top-level modules (folders). It also
checks that commands (`cmd::*`) never import each other and that nothing outside `cmd`
imports it. `-v` prints every edge. Exit 1 when anything is found. It reads text, not the
compiler's view: an edge can be missed, and a reported cycle names the modules to look at.
"""
import os
import re
import sys


def modules(root):
    """Module path (`a::b`, `crate` for lib.rs) -> file."""
    mods = {}
    for d, _, files in os.walk(root):
        for f in files:
            if not f.endswith('.rs') or f == 'main.rs':
                continue
            rel = os.path.relpath(os.path.join(d, f), root)[:-3].split(os.sep)
            if rel[-1] in ('mod', 'lib'):
                rel = rel[:-1]
            mods['::'.join(rel) or 'crate'] = os.path.join(d, f)
    return mods


def code(text):
    """The text before the first test-only module, without comments and string contents."""
    m = re.search(r'#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s', text)
    text = text if m is None else text[:m.start()]
    text = re.sub(r'//[^\n]*', '', text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def expand(prefix, body):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    out, depth, cur = [], 0, ''
    for ch in body + ',':
        if ch == '{':
            depth += 1
        if ch == '}':
            depth -= 1
        if ch == ',' and depth == 0:
            cur = cur.strip()
            if cur:
                m = re.match(r'^([\w:]*?)::\{(.*)\}$', cur, re.S)
                if m:
                    out += expand(prefix + '::' + m.group(1) if prefix else m.group(1), m.group(2))
                else:
                    out.append((prefix + '::' + cur) if prefix else cur)
            cur = ''
        else:
            cur += ch
    return out


def reexports(mods):
    """Per module, the names it re-exports (`pub use child::Name;`) -> the module they come
    from, so an import through a re-export counts as an import of the defining module."""
    out = {}
    for mod, f in mods.items():
        text = code(open(f, encoding='utf-8').read())
        for m in re.finditer(r'\bpub\s+use\s+([^;]+);', text):
            u = m.group(1).strip()
            mm = re.match(r'^([\w:]*?)::\{(.*)\}$', u, re.S)
            for path in expand(mm.group(1), mm.group(2)) if mm else [u]:
                path = re.sub(r'\s+as\s+\w+$', '', path.strip())
                name = path.split('::')[-1]
                first = path.split('::')[0]
                if first in ('crate', 'super', 'self'):
                    continue
                child = (mod + '::' + first) if mod != 'crate' else first
                if child in mods:
                    out.setdefault(mod, {})[name] = (child, path.split('::')[1:])
    return out


def resolve(mods, mod, path, exported=None):
    """The module a `crate::`/`super::` path names (through re-exports), or None."""
    path = re.sub(r'\s+as\s+\w+$', '', path.strip())
    parts = path.split('::')
    if parts[0] == 'crate':
        base, rest = [], parts[1:]
    elif parts[0] == 'super':
        base = mod.split('::')[:-1] if mod != 'crate' else []
        rest = parts[1:]
        while rest and rest[0] == 'super':
            base, rest = base[:-1], rest[1:]
    else:
        return None
    full = base + [p for p in rest if p != 'self']
    for n in range(len(full), -1, -1):
        cand = '::'.join(full[:n]) or 'crate'
        if cand in mods:
            name = full[n] if n < len(full) else None
            via = (exported or {}).get(cand, {}).get(name)
            if via:
                child, tail = via
                return resolve(mods, child, 'crate::' + child + ''.join('::' + t for t in tail[:-1]), exported) or child
            return cand
    return None


def edges_of(mods):
    exported = reexports(mods)
    edges = {}
    for mod, f in sorted(mods.items()):
        text = code(open(f, encoding='utf-8').read())
        paths = []
        for m in re.finditer(r'\buse\s+([^;]+);', text):
            u = m.group(1).strip()
            mm = re.match(r'^([\w:]*?)::\{(.*)\}$', u, re.S)
            paths += expand(mm.group(1), mm.group(2)) if mm else [u]
        rest = re.sub(r'\buse\s+[^;]+;', '', text)
        paths += re.findall(r'\b((?:crate|super)(?:::\w+)+)', rest)
        targets = {resolve(mods, mod, p, exported) for p in paths if p.startswith(('crate', 'super'))}
        # Relative paths to child modules (`validate::scenario(...)`, `use locate::Index;`).
        rel = [p for p in paths if not p.startswith(('crate', 'super'))]
        rel += re.findall(r'(?<![\w:])(\w+)::\w+', rest)
        for p in rel:
            first = p.split('::')[0]
            child = (mod + '::' + first) if mod != 'crate' else first
            if child in mods:
                targets.add(resolve(mods, mod, 'crate::' + child + p[len(first):], exported))
        edges[mod] = sorted(t for t in targets if t and t != mod)
    return edges


def cycles(graph):
    """Strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


def check(root, verbose):
    edges = edges_of(modules(root))
    if verbose:
        for mod in sorted(edges):
            print(f'  {mod:28} -> {", ".join(edges[mod]) or "-"}')
    found = []
    found += [f'module cycle: {" <-> ".join(c)}' for c in cycles(edges)]
    top = {}
    for m, ts in edges.items():
        for t in ts:
            a, b = m.split('::')[0], t.split('::')[0]
            if a != b:
                top.setdefault(a, set()).add(b)
    found += [f'folder cycle: {" <-> ".join(c)}' for c in cycles({k: sorted(v) for k, v in top.items()})]
    found += [
        f'command import: {m} -> {t}'
        for m, ts in edges.items()
        for t in ts
        if t.startswith('cmd') and (m.startswith('cmd::') or not m.startswith('cmd')) and m != 'crate'
    ]
    print(f'{root}: {len(edges)} modules, {sum(map(len, edges.values()))} imports, ' + ('; '.join(found) or 'no cycle'))
    return not found


def main():
    verbose = '-v' in sys.argv[1:]
    roots = [a for a in sys.argv[1:] if a != '-v'] or ['nodes/src', 'sim-core/src', 'reports/src']
    ok = [check(root, verbose) for root in roots]
    sys.exit(0 if all(ok) else 1)


if __name__ == '__main__':
    main()
