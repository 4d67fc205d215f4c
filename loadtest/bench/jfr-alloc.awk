# Allocation (jdk.ObjectAllocationSample weight) by class and by the first io.parley frame, from `jfr print --stack-depth 64`.
function bytes(v, u) { return u ~ /^kB/ ? v * 1024 : u ~ /^MB/ ? v * 1048576 : u ~ /^GB/ ? v * 1073741824 : v }
/^jdk.ObjectAllocationSample/ { inev=1; cls=""; w=0; site=""; next }
inev && /objectClass = / { cls=$0; sub(/.*objectClass = /, "", cls); sub(/ \(classLoader.*/, "", cls) }
inev && /weight = / { split($0, a, "= "); split(a[2], b, " "); w=bytes(b[1], b[2]) }
inev && /line:/ && site == "" && /io\.parley/ { site=$0; sub(/^[ \t]+/, "", site); sub(/[ \t]+line:.*/, "", site) }
/^}/ && inev { inev=0; total+=w; byc[cls]+=w; bys[site == "" ? "(no io.parley frame)" : site]+=w }
END {
  printf "sampled allocation weight: %.0f MB\n-- by class\n", total/1048576
  for (c in byc) printf "%8.0f MB %5.1f%% %s\n", byc[c]/1048576, 100*byc[c]/total, c | "sort -rn | head -12"
  close("sort -rn | head -12")
  printf "-- by first io.parley frame\n"
  for (s in bys) printf "%8.0f MB %5.1f%% %s\n", bys[s]/1048576, 100*bys[s]/total, s | "sort -rn | head -15"
}
