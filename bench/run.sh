#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every benchmark, one after the other; each prints its own figures and
# ratios against a baseline measured in the same run. Not part of
# 'make check': run 'make bench'.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/save-vs-cat.sh" "$@"
echo
"$here/migrate.sh"
echo
"$here/downtime.sh"
echo
"$here/drivers.sh"
