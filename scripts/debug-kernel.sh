#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [build|kdir|release|root] - the debug guest kernel of
# `make check-debug`: Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz)
# with the fixes in scripts/debug-kernel-patches/, configured as
# x86_64_defconfig + kvm_guest.config + scripts/debug-kernel.config (KASAN,
# lockdep, DEBUG_ATOMIC_SLEEP, KFENCE, UBSAN, ...), release 6.1.N-dsmdebug,
# built once under $BUILD/debug-kernel/.
#   build     (default) build it unless the cached build is current, then
#             print the tree to build modules against (KDIR)
#   kdir      print that tree; fails if nothing was built
#   release   print the built kernel's release; fails if nothing was built
#   root      print the directory vcluster boots from: boot/vmlinuz-REL and
#             lib/modules/REL (fails if nothing was built)
# The cache is keyed by the source package's version, hashes of the patches
# and of the config fragment, and RECIPE (bumped when the steps below
# change): a second run with the same key does nothing. Another package
# version or other patches extract the source again and build from
# scratch; another config (or a build that was interrupted) reconfigures
# the tree in place and lets kbuild rebuild what the change touches. The build log is $BUILD/debug-kernel/build.log;
# about 40 minutes on 2 busy cores (1,900 files), 2.1 GiB of disk.
set -euo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}

PKG=linux-source-6.1
TARBALL=/usr/src/$PKG.tar.xz
FRAGMENT=$SRCDIR/scripts/debug-kernel.config
PATCHES=$SRCDIR/scripts/debug-kernel-patches
# Bump when the steps below change what gets built.
RECIPE=1

out=$BUILD/debug-kernel
src=$out/linux
root=$out/root
log=$out/build.log
stamp=$out/key
# Which source the tree in $src was extracted from, with which patches.
source_stamp=$out/source

die() {
	echo "debug-kernel: $*" >&2
	exit 1
}

# The installed source package and its version.
source_version() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null) ||
		die "$PKG is not installed; run 'make deps'"
	[ -f "$TARBALL" ] || die "no $TARBALL; run 'make deps'"
	echo "$PKG $ver"
}

# The patches, in the order they apply.
patches() {
	find "$PATCHES" -maxdepth 1 -name '*.patch' | sort
}

# The source the tree is made of: package, version, patches.
want_source() {
	local p
	echo "$(source_version) patches $(patches | xargs -r -d '\n' cat | sha256sum | cut -c1-16)"
	patches | while IFS= read -r p; do
		echo "  ${p##*/}"
	done
}

# The key of the build the current sources ask for.
want_key() {
	echo "$(want_source | head -n 1) recipe $RECIPE config $(sha256sum < "$FRAGMENT" | cut -c1-16)"
}

built() {
	if [ ! -f "$stamp" ] || [ ! -f "$out/release" ]; then
		die "no debug kernel built in $out; run scripts/debug-kernel.sh (or make check-debug)"
	fi
	if [ "$(cat "$stamp")" != "$(want_key)" ]; then
		echo "debug-kernel: warning: the kernel in $out is not the one the" \
			"sources ask for; scripts/debug-kernel.sh rebuilds it" >&2
	fi
}

# Every line of the fragment must hold in .config after olddefconfig:
# "CONFIG_X=V" literally, "# CONFIG_X is not set" as off (or absent).
check_config() {
	local line opt bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$src/.config" && continue
			echo "debug-kernel: $line wanted, .config has:" \
				"$(grep -E "^(# )?${line%%=*}[= ]" "$src/.config" || echo nothing)" >&2
			bad=1 ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			grep -q "^$opt=" "$src/.config" || continue
			echo "debug-kernel: $opt wanted off, .config has:" \
				"$(grep "^$opt=" "$src/.config")" >&2
			bad=1 ;;
		esac
	done < "$FRAGMENT"
	[ "$bad" = 0 ] || die "the config does not have what $FRAGMENT asks for (above)"
}

# Print a line every minute while the build runs; ends by itself once
# this script is gone.
progress() {
	local t0=$1 me=$2 n
	while sleep 60 && kill -0 "$me" 2>/dev/null; do
		n=$(grep -c '^  CC ' "$log" 2>/dev/null || true)
		echo "  debug-kernel: $((($(date +%s) - t0) / 60)) min, $n files compiled" >&2
	done
}

build() {
	local key t0 rel prog_pid rc p
	key=$(want_key)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] &&
	   [ -f "$out/release" ]; then
		echo "  DEBUGK  cached: $(cat "$out/release") ($key)" >&2
		echo "$src"
		return 0
	fi
	t0=$(date +%s)
	echo "  DEBUGK  building $PKG ($key) in $out; log: $log" >&2
	if [ -f "$source_stamp" ] && [ "$(cat "$source_stamp")" = "$(want_source)" ]; then
		echo "  DEBUGK  the tree is there: reconfiguring it, kbuild rebuilds what changed" >&2
		rm -f "$stamp" "$out/release"
	else
		echo "  DEBUGK  about 20 to 40 minutes on 2 cores, once" >&2
		rm -rf "$out"
		mkdir -p "$src"
		tar -C "$src" --strip-components=1 -xJf "$TARBALL"
		while IFS= read -r p; do
			echo "  DEBUGK  patch ${p#"$SRCDIR"/}" >&2
			patch -s -d "$src" -p1 < "$p" || die "$p does not apply"
		done < <(patches)
		want_source > "$source_stamp"
	fi

	echo "  DEBUGK  config: x86_64_defconfig + kvm_guest.config + ${FRAGMENT#"$SRCDIR"/}" >&2
	if ! { make -C "$src" x86_64_defconfig &&
	       (cd "$src" && scripts/kconfig/merge_config.sh -m .config \
			kernel/configs/kvm_guest.config "$FRAGMENT") &&
	       make -C "$src" olddefconfig; } > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "configuring failed (log: $log)"
	fi
	check_config

	echo "  DEBUGK  make -j$(nproc) bzImage modules" >&2
	progress "$t0" $$ &
	prog_pid=$!
	rc=0
	# LOCALVERSION set and empty: nothing appended to -dsmdebug.
	make -C "$src" -j"$(nproc)" LOCALVERSION= all >> "$log" 2>&1 || rc=$?
	kill "$prog_pid" 2>/dev/null || true
	wait "$prog_pid" 2>/dev/null || true
	if [ "$rc" -ne 0 ]; then
		grep -E 'error|Error' "$log" | tail -n 20 >&2 || tail -n 20 "$log" >&2
		die "the kernel build failed (log: $log)"
	fi
	[ -f "$src/Module.symvers" ] || die "no Module.symvers after the build (log: $log)"

	rel=$(make -s -C "$src" LOCALVERSION= kernelrelease)
	case "$rel" in
	*-dsmdebug) ;;
	*) die "unexpected release '$rel' (want 6.1.N-dsmdebug)" ;;
	esac
	# What vcluster boots: the image and the module tree (modules.builtin
	# tells its image builder that virtio-net is built in).
	rm -rf "$root"
	install -D -m 0644 "$src/arch/x86/boot/bzImage" "$root/boot/vmlinuz-$rel"
	make -C "$src" LOCALVERSION= INSTALL_MOD_PATH="$root" modules_install \
		>> "$log" 2>&1 || die "modules_install failed (log: $log)"
	echo "$rel" > "$out/release"
	echo "$key" > "$stamp"
	echo "  DEBUGK  $rel built in $((($(date +%s) - t0) / 60)) min $((($(date +%s) - t0) % 60)) s" >&2
	echo "$src"
}

case "${1:-build}" in
build)
	mkdir -p "$BUILD"
	# One build at a time per $BUILD.
	exec 8> "$BUILD/debug-kernel.lock"
	flock 8
	build ;;
kdir) built; echo "$src" ;;
release) built; cat "$out/release" ;;
root) built; echo "$root" ;;
*) awk 'NR >= 4 && !/^#/ { exit } NR >= 4' "$0" |
	sed 's/^# \{0,1\}//' >&2
	exit 2 ;;
esac
