# Shared helpers for the project's scripts. Sourced, not run.

step() { printf '\n==> %s\n' "$*" >&2; }

# Installs the packages listed in FILE (one per line, '#' comments) that are not installed yet.
ensure_debian_packages() {
  local file="$1" missing=() pkg
  [ -f "$file" ] || return 0
  while read -r pkg; do
    pkg="${pkg%%#*}"; pkg="${pkg//[[:space:]]/}"
    [ -n "$pkg" ] || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done < "$file"
  [ "${#missing[@]}" -eq 0 ] && return 0
  step "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
