#!/usr/bin/env bash
# Compares one benchmark across jars built from different commits, in interleaved rounds: each round runs one fork of
# every jar, in an order rotated from round to round, so that the drift of a shared machine (20 % and more between
# consecutive forks) falls on every jar alike, as InterleavedRounds does for the variants of one jar. Prints, per
# round, each jar's throughput, bytes per operation and ratio to the first jar, then the median of those per-round
# ratios. Warm-up and measurement are the benchmark class's own unless JMH options after -- say otherwise.
#
#   benchmarks/jar-rounds.sh 5 'InstrumentationOverheadBenchmark.starter$' before.jar after.jar -- \
#       -p transport=inprocess -p registry=simple
#
# Build each jar from its commit with `mvn -q -pl benchmarks -am -DskipTests package` (benchmarks/target/benchmarks.jar).
set -euo pipefail

if [ $# -lt 4 ]; then
	echo "usage: $0 <rounds> <benchmark regex> <jar> <jar>... [-- <JMH options>]" >&2
	exit 2
fi
rounds=$1
benchmark=$2
shift 2
jars=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	jars+=("$1")
	shift
done
if [ $# -gt 0 ]; then
	shift
fi
options=("$@")
count=${#jars[@]}
work=$(mktemp -d)

# "<ops per second> <bytes per op>" of one fork's CSV; fails unless the regex and options chose one benchmark.
scores() {
	awk -F, 'NR > 1 {
		name = $1
		gsub(/"/, "", name)
		if (name ~ /:gc\.alloc\.rate\.norm$/) { bytes = $5 }
		else if (name !~ /:/) { score = $5; primary++ }
	}
	END {
		if (primary != 1) { print "expected one benchmark, found " primary > "/dev/stderr"; exit 1 }
		printf "%s %s\n", score, bytes
	}' "$1"
}

for ((round = 0; round < rounds; round++)); do
	order=()
	for ((i = 0; i < count; i++)); do
		jar=$(((i + round) % count))
		order+=("$(basename "${jars[jar]}")")
		java -cp "${jars[jar]}" org.openjdk.jmh.Main "$benchmark" -f 1 -prof gc -rf csv -rff "$work/$round-$jar.csv" \
			"${options[@]}" >"$work/$round-$jar.log"
	done
	echo
	echo "round $((round + 1)) (run order ${order[*]})"
	echo "| jar | ops/s | bytes/op | × $(basename "${jars[0]}") |"
	first=$(scores "$work/$round-0.csv")
	for ((jar = 0; jar < count; jar++)); do
		read -r score bytes <<<"$(scores "$work/$round-$jar.csv")"
		ratio=$(awk -v a="$score" -v b="${first%% *}" 'BEGIN { printf "%.3f", a / b }')
		echo "$ratio" >>"$work/ratios-$jar"
		printf '| `%s` | %.0f | %.0f | %s |\n' "$(basename "${jars[jar]}")" "$score" "$bytes" "$ratio"
	done
done

echo
echo "medians of the per-round ratios over $rounds rounds"
echo "| jar | × $(basename "${jars[0]}") (rounds) | median |"
for ((jar = 0; jar < count; jar++)); do
	median=$(sort -g "$work/ratios-$jar" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
	printf '| `%s` | %s | **%s** |\n' "$(basename "${jars[jar]}")" "$(paste -sd, "$work/ratios-$jar" | sed 's/,/, /g')" \
		"$median"
done
echo
echo "JMH's output of each fork: $work"
