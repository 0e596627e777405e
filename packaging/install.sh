#!/bin/sh
# install.sh: installs the Skyvern appliance from this unpacked tarball on a Debian machine, with
# no apt and no network: the binary as /usr/bin/skyvern, the unit as
# /etc/systemd/system/skyvern.service, the examples and READMEs in /usr/share/doc/skyvern/; then
# the .deb's own postinst creates the skyvern user and /var/lib/skyvern. Chromium and ffmpeg are
# not installed here: they must be present already (it says what is missing).
#
# usage: sudo ./install.sh            install, or upgrade a copy installed this way
#        sudo ./install.sh --remove   remove the program and unit, keep the data (like apt remove)
#        sudo ./install.sh --purge    also delete /var/lib/skyvern and the skyvern user (like apt purge)
set -eu
cd "$(dirname "$0")"

bin=/usr/bin/skyvern
unit=/etc/systemd/system/skyvern.service
doc=/usr/share/doc/skyvern

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run it as root (sudo ./install.sh $*)" >&2
    exit 1
fi

# A copy installed from the .deb belongs to dpkg: leave it to apt.
if dpkg-query -W -f '${Status}' skyvern 2>/dev/null | grep -q ' installed$'; then
    echo "install.sh: the skyvern .deb is installed here; upgrade it with a newer .deb" >&2
    echo "(apt install ./skyvern_*.deb), or remove it (apt remove skyvern) before using install.sh" >&2
    exit 1
fi

remove() {
    # The .deb's prerm stops the service; its postrm deletes the data and the user on purge.
    sh packaging/debian/prerm remove
    if command -v systemctl >/dev/null 2>&1; then
        systemctl disable --quiet skyvern.service 2>/dev/null || true
    fi
    rm -f "$bin" "$unit"
    rm -rf "$doc"
    sh packaging/debian/postrm "$1"
}

case "${1:-}" in
    "") ;;
    --remove) remove remove; echo "skyvern removed; its data stays in /var/lib/skyvern"; exit 0 ;;
    --purge) remove purge; echo "skyvern removed with its data and the skyvern user"; exit 0 ;;
    *) echo "usage: ./install.sh [--remove | --purge]" >&2; exit 2 ;;
esac

# What the appliance starts, and what postinst needs to create the user.
missing=""
[ -x /usr/lib/chromium/chromium ] || missing="$missing chromium"
command -v ffmpeg >/dev/null 2>&1 || missing="$missing ffmpeg"
command -v adduser >/dev/null 2>&1 || missing="$missing adduser"
if [ -n "$missing" ]; then
    echo "install.sh: Debian's packages$missing are missing. Install them first:" >&2
    echo "    apt install$missing" >&2
    echo "or, without apt access to a mirror, copy their .deb files (with their dependencies) from a" >&2
    echo "machine that has it and install them with: dpkg -i *.deb" >&2
    exit 1
fi

# The version being replaced, if any: postinst then restarts a running service.
old=""
if [ -x "$bin" ]; then
    old="$("$bin" --version 2>/dev/null | awk '{ print $2 }')"
    old="${old:-unknown}"
fi
install -D -m 0755 skyvern "$bin"
install -D -m 0644 packaging/skyvern.service "$unit"
install -D -m 0644 packaging/skyvern.env.example "$doc/skyvern.env.example"
install -D -m 0644 skyvern.toml "$doc/skyvern.toml"
install -D -m 0644 README.md "$doc/README.md"
install -D -m 0644 packaging/README.md "$doc/INSTALL.md"
# The user, the data directory, systemd's reload; on an upgrade, a running service restarts.
sh packaging/debian/postinst configure ${old:+"$old"}

echo "$("$bin" --version) installed as $bin, with the unit $unit."
if [ -n "$old" ]; then
    echo "It replaced version $old; a running service was restarted (systemctl try-restart)."
else
    echo "Check it, then start it and read the first API key:"
    echo "    sudo -u skyvern env SKYVERN__STORAGE__DATA_DIR=/var/lib/skyvern skyvern doctor"
    echo "    systemctl enable --now skyvern"
    echo "    journalctl -u skyvern | grep -A2 'API key'"
    echo "Overrides go in /etc/skyvern/skyvern.env (example: $doc/skyvern.env.example)."
fi
