#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# natterd's D-Bus API as a Markdown page of the API reference: every
# interface, method, signal and property of data/org.natter.Daemon1.xml
# with the doc comment the XML has before it, and the generated proxy
# that calls it (gdbus-codegen's C doc comments do not carry them).
#
#   dbus-api-md.py org.natter.Daemon1.xml dbus-api.md

import re
import sys
import textwrap
import xml.etree.ElementTree as ET

IFACES = {'org.natter.Daemon1': 'IpcDaemon1', 'org.natter.Host1': 'IpcHost1',
          'org.natter.Session1': 'IpcSession1', 'org.natter.Room1': 'IpcRoom1'}


def snake(name):
    return re.sub(r'(?<=[a-z0-9])(?=[A-Z])', '_', name).lower()


def block(comment):
    text = textwrap.dedent(comment.text.strip('\n')).strip()
    return f'```text\n{text}\n```\n' if text else ''


def main(xml_path, md_path):
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.parse(xml_path, parser).getroot()
    out = ['Title: natterd\'s D-Bus API', 'Slug: dbus-api', '', '# natterd\'s D-Bus API', '',
           'The proxies of [class@Natter.Client] call these methods and follow these',
           'signals and properties; the generated `call_` functions are named after the',
           'methods, the GObject properties after the D-Bus ones.', '']
    # The overview before <node>, which the tree does not keep.
    with open(xml_path, encoding='utf-8') as f:
        head = f.read().split('<node>', 1)[0]
    comments = re.findall(r'<!--(.*?)-->', head, re.S)
    if comments:
        out.append(block(ET.Comment(comments[-1])))
    previous = None
    for iface in root:
        if iface.tag is ET.Comment:
            previous = iface
            continue
        if iface.tag != 'interface':
            continue
        name = iface.get('name')
        proxy = IFACES.get(name)
        out.append(f'## {name}\n')
        if proxy:
            out.append(f'Proxy: [iface@Natter.{proxy}].\n')
        if previous is not None:
            out.append(block(previous))
        previous = None
        for child in iface:
            if child.tag is ET.Comment:
                previous = child
                continue
            member = child.get('name')
            args = ', '.join(f"{a.get('direction', 'in') if child.tag == 'method' else ''} "
                             f"{a.get('type')} {a.get('name') or ''}".strip()
                             for a in child.findall('arg'))
            if child.tag == 'method':
                out.append(f'### {member}({args})\n')
                if proxy:
                    out.append(f'`natter_ipc_{snake(proxy[3:])}_call_{snake(member)}()`\n')
            elif child.tag == 'signal':
                out.append(f'### signal {member}({args})\n')
            elif child.tag == 'property':
                out.append(f"### property {member} ({child.get('type')}, {child.get('access')})\n")
                if proxy:
                    out.append(f"GObject property `{snake(member).replace('_', '-')}`.\n")
            else:
                continue
            if previous is not None:
                out.append(block(previous))
            previous = None
    with open(md_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out))


main(*sys.argv[1:])
