#!/usr/bin/env python3
"""Size limits of the sources: no file over FILE_LINES_MAX lines of code and no function over
FN_LINES_MAX lines, test modules excluded.

    python3 scripts/code-limits.py [SRC_DIR ...]   (default: nodes/src sim-core/src reports/src)

A file's size counts its non-blank lines that are not only a comment, before its first
test-only module; a function's, every line from its signature to its closing brace. Prints the
largest of each and every one over its limit; exit 1 when any is.
"""
import os
import re
import sys

FILE_LINES_MAX = 600
FN_LINES_MAX = 100


def without_tests(text):
    m = re.search(r'#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s', text)
    return text if m is None else text[:m.start()]


def blank_strings_and_comments(line):
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(?:\\.|[^'\\])'", "''", line)  # char literals such as '{'
    return re.sub(r'//.*', '', line)


def functions(lines):
    """(length, line number, name) of every fn with a body."""
    out, i = [], 0
    fn = re.compile(r'^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)')
    while i < len(lines):
        m = fn.match(lines[i])
        if not m:
            i += 1
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            code = blank_strings_and_comments(lines[j])
            if not started and code.rstrip().endswith(';') and '{' not in code:
                break  # a declaration without a body (trait method)
            for ch in code:
                if ch == '{':
                    depth += 1
                    started = True
                elif ch == '}':
                    depth -= 1
            if started and depth <= 0:
                break
            j += 1
        if started:
            out.append((j - i + 1, i + 1, m.group(6)))
        i = j + 1
    return out


def main():
    roots = sys.argv[1:] or ['nodes/src', 'sim-core/src', 'reports/src']
    files, fns = [], []
    for root in roots:
        for d, _, names in os.walk(root):
            for name in sorted(names):
                if not name.endswith('.rs'):
                    continue
                path = os.path.join(d, name)
                lines = without_tests(open(path, encoding='utf-8').read()).split('\n')
                code = [l for l in lines if l.strip() and not l.strip().startswith('//')]
                files.append((len(code), path))
                fns += [(n, f'{path}:{line}', fname) for n, line, fname in functions(lines)]
    files.sort(reverse=True)
    fns.sort(reverse=True)
    print(f'largest file: {files[0][1]} ({files[0][0]} lines of code; limit {FILE_LINES_MAX})')
    print(f'longest function: {fns[0][2]} at {fns[0][1]} ({fns[0][0]} lines; limit {FN_LINES_MAX})')
    over = [f'file {p}: {n} lines' for n, p in files if n > FILE_LINES_MAX]
    over += [f'function {name} at {at}: {n} lines' for n, at, name in fns if n > FN_LINES_MAX]
    for o in over:
        print(f'over the limit: {o}')
    sys.exit(1 if over else 0)


if __name__ == '__main__':
    main()
