#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every option `natterd --help` lists is in README.md's "natterd options"
section and in natterd(1): the documentation cannot fall behind the code.

natterd_options.py NATTERD README.md natterd.1
"""

import os
import re
import subprocess
import sys


def options_of_help(natterd):
    env = dict(os.environ, LC_ALL='C', LANGUAGE='C')
    help_text = subprocess.run([natterd, '--help'], env=env, check=True,
                               capture_output=True, text=True).stdout
    found = set()
    for line in help_text.splitlines():
        match = re.match(r'\s+(?:(-\w), )?(--[\w-]+)', line)
        if match:
            found.update(o for o in match.groups() if o is not None)
    return found


def section(path, heading, next_heading):
    text = open(path, encoding='utf-8').read()
    match = re.search('^' + re.escape(heading) + r'\n(.*?)^' + re.escape(next_heading),
                      text, re.M | re.S)
    if match is None:
        sys.exit(f'{path}: no "{heading}" section')
    return match.group(1)


def main():
    natterd, readme, man = sys.argv[1:4]
    options = options_of_help(natterd)
    if len(options) < 20:
        sys.exit(f'only {len(options)} options read from natterd --help: {sorted(options)}')

    readme_options = section(readme, '## natterd options', '## ')
    # groff writes a hyphen as \-
    man_options = section(man, '.SH OPTIONS', '.SH ').replace('\\-', '-')
    missing = []
    for option in sorted(options):
        if not re.search(r'`' + re.escape(option) + r'[ `]', readme_options):
            missing.append(f'README.md "natterd options": {option}')
        if not re.search(r'\.B[IR]?\s.*' + re.escape(option) + r'\b', man_options):
            missing.append(f'natterd.1 OPTIONS: {option}')

    for line in missing:
        print('undocumented: ' + line)
    print(f'{len(options)} options, {len(missing)} gaps')
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
