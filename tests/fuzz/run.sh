#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run one fuzz target: run.sh TARGET SECONDS, from the top directory, after
# `make fuzz` built build/fuzz-TARGET and the seeds in build/fuzz-seed.
# Prints the edges covered and the executions; a crash prints the log's
# tail and fails.
set -euo pipefail
t=$1 secs=$2
# Inputs as long as the largest message a target reads, and a little more.
case $t in
stream) max=4096 ;;
mig) max=8192 ;;
arcs) max=16384 ;;
idjson) max=16384 ;;
*) max=128 ;;
esac
mkdir -p "build/fuzz-corpus/$t"
log=build/fuzz-$t.log
if ! "build/fuzz-$t" -max_total_time="$secs" -max_len="$max" -print_final_stats=1 \
	"build/fuzz-corpus/$t" "build/fuzz-seed/$t" 2>"$log"; then
	tail -n 40 "$log"
	exit 1
fi
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
corp=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
printf '  %-7s %s edges, %s entries, %s executions in %s s\n' "$t" "${cov#cov: }" \
	"${corp#corp: }" "$execs" "$secs"
