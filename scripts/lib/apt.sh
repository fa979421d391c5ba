# Sourced helper: install Debian packages that are missing, once, waiting for the dpkg lock.
# Usage: lb_apt_install pkg [pkg ...]
lb_apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}" >&2
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	if [ ! -f /tmp/.lifeboat-apt-updated ]; then
		$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq && touch /tmp/.lifeboat-apt-updated
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends "${missing[@]}"
}
