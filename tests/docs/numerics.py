#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every numeric the hosted server sends is a row of README.md's "Numerics"
table, and every row is a numeric it sends: the table of differences from
Modern IRC cannot fall behind the code.

numerics.py README.md daemon/server
"""

import glob
import os
import re
import sys


def sent_numerics(sources):
    found = set()
    for path in sources:
        text = open(path, encoding='utf-8').read()
        found.update(re.findall(r'"(\d{3})"', text))
    return found


def table_numerics(readme):
    text = open(readme, encoding='utf-8').read()
    match = re.search(r'^### Numerics\n(.*?)^#', text, re.M | re.S)
    if match is None:
        sys.exit(f'{readme}: no "### Numerics" section')
    found = set()
    for line in match.group(1).splitlines():
        cells = line.split('|')
        if len(cells) < 3 or not re.match(r'\s*\d{3}', cells[1]):
            continue
        # "001–003", "257, 258", "471, 473, 474, 475"
        for part in cells[1].split(','):
            bounds = re.findall(r'\d{3}', part)
            if len(bounds) == 2:
                found.update(f'{n:03d}' for n in range(int(bounds[0]), int(bounds[1]) + 1))
            else:
                found.update(bounds)
    return found


def main():
    readme, server_dir = sys.argv[1], sys.argv[2]
    sources = sorted(glob.glob(os.path.join(server_dir, '*.c')))
    sent = sent_numerics(sources)
    listed = table_numerics(readme)
    if len(sent) < 50:
        sys.exit(f'only {len(sent)} numerics found in {len(sources)} files: {sorted(sent)}')
    missing = sorted(sent - listed)
    extra = sorted(listed - sent)
    if missing:
        print(f'{readme}: sent but not in the Numerics table: {" ".join(missing)}')
    if extra:
        print(f'{readme}: in the Numerics table but never sent: {" ".join(extra)}')
    sys.exit(1 if missing or extra else 0)


if __name__ == '__main__':
    main()
