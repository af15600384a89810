#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The size of libnatter-1's public API, per face, from Natter-1.gir:
# functions (C functions: constructors, methods, functions; those
# introspection reaches in brackets), types (classes, interfaces,
# records that are not class, interface or private structs, enumerations),
# signals and properties. Host* is the hosting face; Client* and the
# generated Ipc* proxies and skeletons the client face.
#
#   build-aux/gir-api-size.py _build/lib/Natter-1.gir

import sys
import xml.etree.ElementTree as ET

NS = {'core': 'http://www.gtk.org/introspection/core/1.0',
      'glib': 'http://www.gtk.org/introspection/glib/1.0'}
CALLABLES = ('constructor', 'method', 'function')
TYPES = ('class', 'interface', 'record', 'enumeration', 'bitfield')


def face(name):
    name = name.lower()
    if name.startswith('host'):
        return 'hosting'
    if name.startswith(('client', 'ipc')):
        return 'client'
    return 'common'


sizes = {}
namespace = ET.parse(sys.argv[1]).getroot().find('core:namespace', NS)
for element in namespace:
    tag = element.tag.split('}')[1]
    name = element.get('name')
    size = sizes.setdefault(face(name), dict.fromkeys(
        ('functions', 'introspectable', 'types', 'signals', 'properties'), 0))
    # Not the class structs nor the opaque private structs.
    if (tag in TYPES and element.get('{%s}is-gtype-struct-for' % NS['glib']) is None
            and not name.endswith('Private')):
        size['types'] += 1
    callables = [element] if tag in CALLABLES else [e for e in element if e.tag.split('}')[1] in CALLABLES]
    for e in callables:
        size['functions'] += 1
        size['introspectable'] += e.get('introspectable') != '0'
    size['signals'] += len(element.findall('glib:signal', NS))
    size['properties'] += len(element.findall('core:property', NS))

for name in ('hosting', 'client', 'common'):
    s = sizes.get(name)
    if s:
        print(f"{name}: {s['functions']} functions ({s['introspectable']} introspectable), "
              f"{s['types']} types, {s['signals']} signals, {s['properties']} properties")
