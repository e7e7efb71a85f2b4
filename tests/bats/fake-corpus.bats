#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig check against the migration-driver fixes that shipped
# (check-corpus.tsv): the table itself, the count README gives, the man
# page's entry for each rule that catches one, and for each fix caught on
# the fake its bug failing exactly its rule while the clean device
# passes it.

load helpers
load check

setup() {
	fake_setup
}

# corpus N FIELD: field FIELD (1-based) of the table's row N.
corpus() {
	awk -F'\t' -v n="$1" -v f="$2" '!/^#/ && $1 == n { print $f }' "$CORPUS_TSV"
}

# corpus_fails N: the row's bug fails exactly the row's rule.
corpus_fails() {
	[ "$(corpus "$1" 6)" = fake ] || { echo "row $1 is not caught on the fake" >&2; return 1; }
	rule_bug "$(corpus "$1" 7)" "$(corpus "$1" 8)"
}

# The CHECK RULES entry of a rule in vfiomig(8), up to the next rule.
man_entry() {
	sed -n '/^\.SH CHECK RULES/,/^\.SH /p' "$TOP/man/vfiomig.8" |
		awk -v r=".B $1" '$0 == r { on = 1; next } on && /^\.TP/ { exit } on'
}

@test "fake corpus: 39 fixes, each caught on the fake, on a debug kernel, with two devices, or why none can" {
	run awk -F'\t' '!/^#/ { n++; if ($1 != n || NF != 9) { print "row " n ": " $0; bad = 1 } }
		!/^#/ && $6 !~ /^(fake|debug|pair|none)$/ { print "status " $6; bad = 1 }
		!/^#/ && $6 == "none" && ($7 != "-" || $9 == "-") { print "row " $1 " needs a reason"; bad = 1 }
		!/^#/ && $6 == "debug" && $7 !~ /^kernel\.(log\.clean|faults)$/ { print "row " $1; bad = 1 }
		!/^#/ && $6 == "pair" && $7 != "data.resume.compatible" { print "row " $1; bad = 1 }
		END { if (n != 39) print n " rows"; exit bad || n != 39 }' "$CORPUS_TSV"
	assert_success
	# every fix caught on the fake names a row of the rule -> bug table
	for n in $(awk -F'\t' '!/^#/ && $6 == "fake" { print $1 }' "$CORPUS_TSV"); do
		awk -F'\t' -v r="$(corpus "$n" 7)" -v b="$(corpus "$n" 8)" \
			'$1 == r && $2 == b { f = 1 } END { exit !f }' "$RULES_TSV" ||
			{ echo "row $n: no $(corpus "$n" 7) / $(corpus "$n" 8) in check-rules.tsv" >&2; return 1; }
	done
	# the totals, for the test log
	awk -F'\t' '!/^#/ { s[$6]++ } END { printf "# caught on the fake %d, catchable %d, not catchable %d\n",
		s["fake"], s["fake"] + s["debug"] + s["pair"], s["none"] }' "$CORPUS_TSV" >&3
}

@test "fake corpus: every rule the table names is a rule of check, in vfiomig(8) with the drivers of its fixes" {
	fvm -j check --rounds 1 $PCI
	assert_success
	rules=$(jq -r '.checks[].rule, .not_checkable[].rule' <<<"$output")
	for n in $(awk -F'\t' '!/^#/ && ($6 == "fake" || $6 == "pair") { print $1 }' "$CORPUS_TSV"); do
		rule=$(corpus "$n" 7)
		grep -qxF "$rule" <<<"$rules" || { echo "row $n: check has no rule $rule" >&2; return 1; }
		man_entry "$rule" | grep -qF "$(corpus "$n" 3)" ||
			{ echo "row $n: vfiomig(8) says nothing of $(corpus "$n" 3) under $rule" >&2; return 1; }
	done
	# the rules that can crash a kernel say so in every result, and in the man page
	for rule in $(jq -r '.checks[] | select(.detail | contains("[can crash a buggy kernel: ")) | .rule' <<<"$output"); do
		man_entry "$rule" | grep -q 'Can crash a buggy kernel' ||
			{ echo "vfiomig(8) does not mark $rule" >&2; return 1; }
	done
	jq_is '[.checks[] | select(.detail | contains("[can crash a buggy kernel: "))] | length' 4
}

@test "fake corpus: README's count of the fixes check catches is the table's" {
	n=$(awk -F'\t' '!/^#/ && $6 == "fake" { n++ } END { print n }' "$CORPUS_TSV")
	total=$(grep -vc '^#' "$CORPUS_TSV")
	grep -q "catches $n of the $total fixes that shipped" "$TOP/README" ||
		{ echo "README does not say: catches $n of the $total fixes that shipped" >&2; return 1; }
	[ "$n" -ge 16 ]
}

@test "fake corpus: on the clean devices every rule of the table passes" {
	for kind in $(awk -F'\t' '!/^#/ { print $3 }' "$RULES_TSV" | sort -u); do
		# 272 MiB three times over: too slow under valgrind
		[ "$kind" != big ] || [ -z "${VFIOMIG_VALGRIND:-}" ] || continue
		dev=$(check_dev "$kind")
		fvm -j check --rounds 1 "$dev"
		assert_success
		for n in $(awk -F'\t' '!/^#/ && $6 == "fake" { print $1 }' "$CORPUS_TSV"); do
			row=$(awk -F'\t' -v r="$(corpus "$n" 7)" -v b="$(corpus "$n" 8)" \
				'$1 == r && $2 == b' "$RULES_TSV")
			[ "$(cut -f3 <<<"$row")" = "$kind" ] || continue
			jq_is ".checks[] | select(.rule == \"$(corpus "$n" 7)\") | .result" pass
		done
	done
}

@test "fake corpus: 1 hisi_acc reads from the buffer's start" {
	corpus_fails 1
}

@test "fake corpus: 1 hisi_acc writes to the buffer's start" {
	rule_bug data.resume.chunking write_restarts
}

@test "fake corpus: 2 hisi_acc state after a reset" {
	corpus_fails 2
}

@test "fake corpus: 3 pds fds live after a reset" {
	corpus_fails 3
}

@test "fake corpus: 4 pds oops on an fd a reset ended: the check dies at the rule -v named" {
	[ "$(corpus 4 7)/$(corpus 4 8)" = data.session.reset/reset_oops ]
	grep -qP '^data\.session\.reset\treset_oops\tpci\tKILLED$' "$RULES_TSV"
	VFIOMIG_FAKE_BUG=reset_oops fvm -v check --rounds 1 $PCI
	assert_equal "$status" 137
	assert_equal "$(tail -n 1 <<<"$stderr")" "check $PCI: data.session.reset next, which can crash a buggy kernel (pds before 6.9 oopses on the old fd)"
}

@test "fake corpus: 5 mlx5 migration on a VF that cannot migrate" {
	corpus_fails 5
}

@test "fake corpus: 6 mlx5 DMA_LOGGING_START refused" {
	corpus_fails 6
}

@test "fake corpus: 7 the core's loop on the blocked arc, and no request where the fix is not known" {
	corpus_fails 7
	VFIOMIG_FAKE_BUG=blocked_arc_spins VFIOMIG_FAKE_KERNEL=6.12.95 fvm -j check --rounds 1 $PCI
	assert_success
	jq_is '.checks[] | select(.rule == "fsm.arc.blocked") | .result' skip
	jq_is '.checks[] | select(.rule == "fsm.arc.blocked") | .detail | startswith("not sent: kernel 6.12.95 is not known to carry \"vfio: prevent infinite loop in vfio_mig_get_next_state() on blocked arc\" (7.2, 6.12.96)")' true
	VFIOMIG_FAKE_KERNEL=7.2.0 fvm -j check --rounds 1 $PCI
	jq_is '.checks[] | select(.rule == "fsm.arc.blocked") | .result' pass
}

@test "fake corpus: 8 qat two writers at once" {
	corpus_fails 8
}

@test "fake corpus: 8 two readers at once" {
	rule_bug data.concurrent save_read_race
}

@test "fake corpus: 9 mlx5 a blocked reader never woken" {
	corpus_fails 9
}

@test "fake corpus: 10 mlx5 dirty_bytes under-reported" {
	corpus_fails 10
}

@test "fake corpus: 11 pds REPORT range checked from IOVA 0" {
	corpus_fails 11
}

@test "fake corpus: 12 mlx5 a large state refused" {
	not_under_valgrind
	corpus_fails 12
}

@test "fake corpus: 13 hisi_acc compatibility checked once" {
	corpus_fails 13
}

@test "fake corpus: 15 qat a previous session's bytes in a save" {
	corpus_fails 15
}

@test "fake corpus: 16 the core's EINVAL for an unknown feature, informative before the change" {
	corpus_fails 16
	VFIOMIG_FAKE_KERNEL=6.12.57 fvm -j check --rounds 1 $PCI
	assert_success
	jq_is '.checks[] | select(.rule == "feature.unknown") | .result' info
	jq_is '.checks[] | select(.rule == "feature.unknown") | .detail' \
		'feature 0xffff: EINVAL: kernel 6.12.57 predates "vfio: return -ENOTTY for unsupported device feature" (6.18, 6.12.58, 6.1.159)'
	VFIOMIG_FAKE_KERNEL=6.1.159 fvm -j check --rounds 1 $PCI
	jq_is '.checks[] | select(.rule == "feature.unknown") | .result' pass
}

@test "fake corpus: 21 the iova_bitmap writing beside an unaligned bitmap" {
	corpus_fails 21
}

@test "fake corpus: dma.logging fails when REPORT fails" {
	rule_bug dma.logging log_report_fails
}

@test "fake corpus: every fix caught on the fake has its test" {
	for n in $(awk -F'\t' '!/^#/ && $6 == "fake" { print $1 }' "$CORPUS_TSV"); do
		grep -q "^@test \"fake corpus: $n " "$BATS_TEST_FILENAME" ||
			{ echo "row $n has no test" >&2; return 1; }
	done
}
