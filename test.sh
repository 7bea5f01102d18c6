#!/usr/bin/env bash
# The README's test command: on a clean clone with only the .NET SDK, installs what the tests use, builds, and runs
# every test. .ci/run calls exactly this. Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Html").
#   1. Debian packages (apt-get as root, or through sudo): DICOM oracles, headless Chromium, the test PACS, nbconvert
#   2. the .NET Interactive kernel (dotnet tool Microsoft.dotnet-interactive, registered with Jupyter as .net-csharp)
#   3. the optional Flower harness (hook below)
#   4. dotnet build FlipResearch.slnx -c Release, then dotnet test FlipResearch.slnx -c Release -m:1
# Exits non-zero on the first failure, with a line saying what failed.
set -euo pipefail
cd "$(dirname "$0")"

phase_start=$SECONDS
declare -a timings=()
phase() {
  local now=$SECONDS
  if [[ -n "${current_phase:-}" ]]; then
    timings+=("$(printf '%-10s %5ds' "$current_phase" $((now - phase_start)))")
  fi
  current_phase="$1"
  phase_start=$now
  [[ -n "$1" ]] && echo "::: $1"
  return 0
}
print_timings() {
  phase ""
  echo "::: phase times"
  printf '  %s\n' "${timings[@]}"
}
trap print_timings EXIT

# Packages the tests use: dcmtk, dicom3tools (dciodvfy) and pydicom write and check DICOM files (oracles); chromium
# renders report.html and notebook outputs headless; orthanc + orthanc-dicomweb are the test PACS of the DICOMweb tests
# (each test starts its own Orthanc on free ports); jupyter-nbconvert, python3-nbclient, python3-ipykernel and
# jupyter-client execute the notebooks in the .NET Interactive kernel, as Jupyter does.
APT_PACKAGES=(dcmtk dicom3tools python3-pydicom python3-pil python3-numpy libopenjp2-7 chromium orthanc orthanc-dicomweb
              jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client)
# The kernel VS Code's Polyglot Notebooks extension runs, at the version the notebooks are tested with.
DOTNET_INTERACTIVE_VERSION=1.0.712001

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1
export PATH="$PATH:$HOME/.dotnet/tools"

phase apt
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      echo "test.sh: these Debian packages are missing and this user cannot install them (not root, no sudo): ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3 4 5; do
    if $SUDO apt-get -o DPkg::Lock::Timeout=120 update -qq \
       && $SUDO apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${missing[@]}"; then
      break
    fi
    if ((attempt == 5)); then echo "test.sh: apt-get failed 5 times installing: ${missing[*]}" >&2; exit 1; fi
    echo "apt-get failed (attempt $attempt); retrying in $((attempt * 10)) s" >&2
    sleep $((attempt * 10))
  done
  # orthanc's postinst may try to start its system service; the tests start their own.
  if command -v service >/dev/null; then $SUDO service orthanc stop >/dev/null 2>&1 || true; fi
else
  echo "all apt packages present: ${APT_PACKAGES[*]}"
fi

dotnet --version

phase kernel
# Debian's Jupyter (not a python3 of pyenv or a virtualenv that may come first on PATH) registers and runs the kernel.
JUPYTER=/usr/bin/jupyter
[[ -x $JUPYTER ]] || JUPYTER=jupyter
installed=$(dotnet tool list -g | awk 'tolower($1) == "microsoft.dotnet-interactive" { print $2 }')
if [[ -z $installed ]]; then
  for attempt in 1 2 3; do
    dotnet tool install -g Microsoft.dotnet-interactive --version "$DOTNET_INTERACTIVE_VERSION" && break
    if ((attempt == 3)); then echo "test.sh: dotnet tool install Microsoft.dotnet-interactive $DOTNET_INTERACTIVE_VERSION failed 3 times" >&2; exit 1; fi
    sleep $((attempt * 10))
  done
elif [[ $installed != "$DOTNET_INTERACTIVE_VERSION" ]]; then
  echo "note: dotnet-interactive $installed is installed; the notebooks are tested with $DOTNET_INTERACTIVE_VERSION (dotnet tool update -g Microsoft.dotnet-interactive --version $DOTNET_INTERACTIVE_VERSION --allow-downgrade)"
fi
if ! "$JUPYTER" kernelspec list 2>/dev/null | grep -q '^ *\.net-csharp '; then
  PATH="$(dirname "$(command -v "$JUPYTER")"):$PATH" dotnet interactive jupyter install
fi
"$JUPYTER" kernelspec list 2>/dev/null | grep '\.net-csharp'

phase harness
# The interop tests (tests/Flip.Cli.Tests/Interop) run against a real Flower 1.27.0 built from a git mirror of
# adap/flower ($FLOWER_MIRROR, else /work/.mirror/adap+flower/repo) by ../shared/flower-harness. Where the mirror or
# the harness scripts are missing they are skipped, each saying why (the mirror is fetched outside this repository).
if [[ -n "${FLOWER_HARNESS:-}" && -d "$FLOWER_HARNESS/site-1.27.0/flwr" ]]; then
  echo "Flower harness: $FLOWER_HARNESS (from FLOWER_HARNESS)"
else
  set +e
  harness=$(tests/flower-interop/setup-harness.sh | tail -n 1)
  harness_status=${PIPESTATUS[0]}
  set -e
  if ((harness_status == 0)) && [[ -d "$harness/site-1.27.0/flwr" ]]; then
    export FLOWER_HARNESS="$harness"
    echo "Flower harness: $FLOWER_HARNESS"
  else
    echo "note: no Flower harness (setup-harness.sh status $harness_status); the Flower interop tests will be skipped (see above)"
  fi
fi
if [[ -n "${FLOWER_HARNESS:-}" ]]; then
  # PyTorch Flower apps (the shared U-Net app, the app bundle serve builds) run their Python nodes on Debian's torch.
  if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends python3-torch
  fi
fi

phase build
dotnet build FlipResearch.slnx -c Release

phase test
dotnet test FlipResearch.slnx -c Release -m:1 "$@"
