# Inclusive sample counts per method (a method counts once per sample it appears in), from `jfr print --stack-depth 64`.
/^jdk.ExecutionSample/ { inev=1; n++; delete seen; next }
inev && /sampledThread = "/ { t=$0; sub(/.*sampledThread = "/, "", t); sub(/".*/, "", t); sub(/-[0-9]+$/, "-N", t); threads[t]++ }
inev && /line:/ { m=$0; sub(/^[ \t]+/, "", m); sub(/[ \t]+line:.*/, "", m); if (!(m in seen)) { seen[m]=1; inc[m]++ } }
/^}/ { inev=0 }
END {
  printf "samples %d\n-- by thread\n", n
  for (t in threads) printf "%6d %5.1f%% %s\n", threads[t], 100*threads[t]/n, t | "sort -rn | head -12"
  close("sort -rn | head -12")
  printf "-- inclusive by method\n"
  for (m in inc) printf "%6d %5.1f%% %s\n", inc[m], 100*inc[m]/n, m | "sort -rn | head -45"
}
