#!/bin/sh
# build-example.sh SOURCE_DIR BUILD_DIR
# What a vendor does: install Lifeboat into a fresh prefix, build the example plugin out of
# tree against that prefix only (CMake package and pkg-config), and require the installed
# `lifeboat plugin test` to pass against it.
set -eu
src=$1
build=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/lb-sdk-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
prefix=$work/prefix

step() { echo "== $*"; }
die() { echo "build-example.sh: $*" >&2; exit 1; }

step "install into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || {
	cat "$work/install.log" >&2
	die "cmake --install failed"
}
for f in bin/lifeboat include/lifeboat/plugin/sdk.h lib/pkgconfig/lifeboat-plugin-sdk.pc \
	lib/cmake/LifeboatPluginSDK/LifeboatPluginSDKConfig.cmake; do
	[ -e "$prefix/$f" ] || die "the install lacks $f"
done

# The example's sources only: no path back into the source tree.
cp -r "$src/examples/object-store-flatdir" "$work/example"

step "build with find_package(LifeboatPluginSDK)"
cmake -S "$work/example" -B "$work/example-build" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/cfg.log" || {
	cat "$work/cfg.log" >&2
	die "configuring the example failed"
}
cmake --build "$work/example-build" >"$work/build.log" 2>&1 || {
	cat "$work/build.log" >&2
	die "building the example failed"
}
so=$work/example-build/flatdir.so
[ -f "$so" ] || die "no $so"
if grep -rq -- "$src" "$work/example-build/CMakeFiles/flatdir.dir/flags.make"; then
	die "the example's compile flags reach into the source tree $src"
fi
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
[ "$exported" = "lb_plugin_bind_v1 lb_plugin_init lb_plugin_magic_v1 " ] ||
	die "the example exports more than the plugin entry points: $exported"

step "build with pkg-config"
mkdir "$work/make"
cp "$work/example/flatdir.c" "$work/example/Makefile" "$work/make/"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig make -C "$work/make" >"$work/make.log" 2>&1 || {
	cat "$work/make.log" >&2
	die "the pkg-config build failed"
}
[ -f "$work/make/flatdir.so" ] || die "no flatdir.so from make"

step "installed lifeboat plugin test against the example"
mkdir "$work/root"
if ! "$prefix/bin/lifeboat" plugin test "$so" --kind object-store --config root="$work/root" \
	--large-mib 16 --call-timeout-ms 120000 >"$work/tap" 2>"$work/tap.err"; then
	cat "$work/tap" "$work/tap.err" >&2
	die "the conformance kit failed against the example plugin"
fi
cat "$work/tap"
echo "build-example.sh: ok"
