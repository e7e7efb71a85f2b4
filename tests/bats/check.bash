# SPDX-License-Identifier: GPL-2.0-or-later
# The rule -> fake driver bug -> test table of vfiomig check
# (check-rules.tsv) and the devices its rows run on, shared by
# fake-check.bats and fake-corpus.bats. $ROOT, $PCI and fvm come from
# helpers.bash's fake_setup.
# shellcheck shell=bash disable=SC2034,SC2154

RULES_TSV=$BATS_TEST_DIRNAME/check-rules.tsv
CORPUS_TSV=$BATS_TEST_DIRNAME/check-corpus.tsv

# check_dev KIND: the device a row of the table names, made on first use.
#   pci    the default device (mtty-like, 96 bytes)
#   p1     flags 1, STOP_COPY only: its arcs are direct, so a bug on one
#          stays on it
#   pat    a 4096-byte pattern image: the fake checks what is restored
#   dirty  32 bytes readable past pre-copy's 24 initial ones
#   mlx5w  the mlx5 personality, whose SAVE takes 100 ms: a read blocks
#   big    a 272 MiB state, above what check holds in memory
#   faults the default device on a kernel with fault injection: the row
#          runs with --inject-faults
check_dev() {
	local dev keys
	case $1 in
	pci) echo "$PCI"; return ;;
	faults) fake_fault_injection "$ROOT" && echo "$PCI"; return ;;
	p1) dev=0000:3b:00.6 keys="19 cdev=5 flags=1" ;;
	pat) dev=0000:3b:02.0 keys="40 cdev=20 image=pattern size=4096" ;;
	dirty) dev=0000:3b:02.1 keys="41 cdev=21 dirty=32" ;;
	mlx5w) dev=0000:3b:02.2 keys="42 cdev=22 personality=mlx5 size=65536
		precopy=16384 dirty=4096 inflight_ms=100" ;;
	big) dev=0000:3b:02.3 keys="43 cdev=23 size=285212672" ;;
	*) echo "no device kind $1" >&2; return 1 ;;
	esac
	# shellcheck disable=SC2086
	[ -e "$ROOT/.fake/$dev/config" ] || fake_pci_device "$ROOT" "$dev" $keys
	echo "$dev"
}

# rule_bug RULE BUG: run the table's row; check fails RULE and no other
# rule, with the row's detail, exits 1, and the device is running.
rule_bug() {
	local row dev detail opts=()
	row=$(awk -F'\t' -v r="$1" -v b="$2" '$1 == r && $2 == b' "$RULES_TSV")
	[ -n "$row" ] || { echo "no row $1 / $2 in check-rules.tsv" >&2; return 1; }
	dev=$(check_dev "$(cut -f3 <<<"$row")")
	detail=$(cut -f4 <<<"$row")
	[ "$(cut -f3 <<<"$row")" != faults ] || opts=(--inject-faults)
	VFIOMIG_FAKE_BUG=$2 fvm -j check --rounds 1 "${opts[@]}" "$dev"
	assert_failure "$EX_FAIL"
	assert_json
	jq_is '[.checks[] | select(.result == "fail") | .rule] | join(",")' "$1"
	jq_is ".failed" 1
	jq_is "[.checks[] | select(.rule == \"$1\")][0].detail | contains(\"$detail\")" true
	assert_equal "$(fstate "$dev")" running
}
