#!/bin/bash
# dir kind(join|login): total, loops, dtls+exited, media, gc, jit per completed join
source <(sed -n "/^joined()/,/^}/p" "$(dirname "$0")/../../bench/benchmarks.sh")
for d in "$@"; do
  k=$(ls $d/*-cpu.txt | head -1); kind=$(basename $k -cpu.txt)
  n=$(joined $k)
  python3 - "$d" "$kind" "$n" <<'PY'
import sys,collections
d,kind,n=sys.argv[1],sys.argv[2],int(sys.argv[3])
def load(f):
    r={}
    for l in open(f):
        t,name,u,s=l.rstrip('\n').split('\t'); r[t]=(name,int(u)+int(s))
    return r
a=load(f'{d}/{kind}-cpu-threads-0.tsv'); b=load(f'{d}/{kind}-cpu-threads-1.tsv')
g=collections.Counter(); seen=0
for t,(name,v) in b.items():
    dv=v-a.get(t,(name,0))[1]; g[name]+=dv; seen+=dv
import re
tot=None
for l in open(f'{d}/bench.log'):
    m=re.search(r'server CPU (\d+) ms',l)
    if m and kind+'-cpu' in l: tot=int(m.group(1))/10
ex=tot-seen
jit=g['C2 CompilerThre']+g['C1 CompilerThre']
loops=g['multiThreadIoEv']; dtls=g['parley-dtls']+ex; media=g['parley-media']; gc=g['GC Thread']+g['G1 Conc']+g['G1 Refine']
ms=lambda x: x*10/n
print(f"{d.split('/')[-1]:18s} joined {n:5d}  total {ms(tot):5.2f}  no-JIT {ms(tot-jit):5.2f}  loops {ms(loops):5.2f}  dtls {ms(dtls):5.2f}  media {ms(media):5.2f}  gc {ms(gc):5.2f}  jit {ms(jit):5.2f}  ms/join")
PY
done
