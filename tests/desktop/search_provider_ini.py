#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""GNOME Shell finds natterd's search provider: `meson install --destdir`
puts org.natter.Natter.search-provider.ini where the Shell reads it, and
its keys name an installed desktop file, a bus name that D-Bus can start,
and the object path natterd exports.

    search_provider_ini.py MESON BUILD_DIR PROVIDER_HEADER
"""
import configparser
import os
import re
import subprocess
import sys
import tempfile


def main():
    meson, build_dir, header = sys.argv[1:4]
    with open(header, encoding='utf-8') as f:
        path = re.search(r'#define NATTER_SEARCH_PROVIDER_PATH "([^"]+)"', f.read()).group(1)

    with tempfile.TemporaryDirectory(prefix='natter-install-') as destdir:
        subprocess.run([meson, 'install', '-C', build_dir, '--destdir', destdir,
                        '--no-rebuild', '--quiet'], check=True)
        installed = {}
        for root, _dirs, files in os.walk(destdir):
            for name in files:
                installed.setdefault(name, []).append(os.path.join(root, name))

        inis = installed.get('org.natter.Natter.search-provider.ini', [])
        assert len(inis) == 1, inis
        assert os.path.dirname(inis[0]).endswith('/share/gnome-shell/search-providers'), inis[0]

        ini = configparser.ConfigParser(interpolation=None)
        ini.optionxform = str
        ini.read(inis[0], encoding='utf-8')
        section = ini['Shell Search Provider']
        assert section['Version'] == '2', section['Version']
        assert section['ObjectPath'] == path, (section['ObjectPath'], path)
        assert section['BusName'] == 'org.natter.Daemon', section['BusName']
        # The Shell starts natterd through D-Bus activation when it is not running.
        services = installed.get(section['BusName'] + '.service', [])
        assert any('/dbus-1/services/' in s for s in services), services
        with open(services[0], encoding='utf-8') as f:
            assert 'Name=' + section['BusName'] in f.read()
        # And shows the results under the app whose desktop file this is.
        desktops = installed.get(section['DesktopId'], [])
        assert any('/share/applications/' in d for d in desktops), (section['DesktopId'], desktops)
        assert set(section.keys()) == {'DesktopId', 'BusName', 'ObjectPath', 'Version'}, set(section.keys())

    print('ok: %s -> %s %s' % (section['DesktopId'], section['BusName'], section['ObjectPath']))


if __name__ == '__main__':
    main()
