#!/usr/bin/env python3
"""Summarizes a speedscope export of a dotnet-trace 'dotnet-sampled-thread-time' trace: where the busy samples go.

The EventPipe sampler records every managed thread, waiting or not, and ends each stack with a pseudo-frame:
CPU_TIME (running managed code) or UNMANAGED_CODE_TIME (in native code: a wait, a syscall, SQLite). A sample counts
as waiting when it is in native code under a known wait frame; the rest ("busy") are shared out by frame.

    python3 bench/trace-summary.py trace.speedscope.json [top]
"""
import collections
import json
import sys

WAITS = ('WaitNative', 'Monitor.Wait', 'WaitOneNoCheck', 'ManualResetEventSlim.Wait', 'Watcher!Interop+Sys.Read',
         'Thread.Sleep', 'WaitForSocketEvents', 'ConsoleLoggerProcessor', 'Heartbeat.TimerLoop',
         'TimerQueue.TimerThread', 'GateThreadStart', 'SocketAsyncEngine.EventLoop', 'Program.<Main>', 'WaitForSignal')
PSEUDO = ('CPU_TIME', 'UNMANAGED_CODE_TIME')


def samples(doc):
    frames = [f['name'] for f in doc['shared']['frames']]
    for profile in doc['profiles']:
        if profile['type'] == 'evented':
            stack, last = [], None
            for event in profile['events']:
                if last is not None and stack:
                    yield [frames[i] for i in stack], event['at'] - last
                last = event['at']
                if event['type'] == 'O':
                    stack.append(event['frame'])
                else:
                    stack.pop()
        else:
            for sample, weight in zip(profile['samples'], profile['weights']):
                yield [frames[i] for i in sample], weight


def main():
    doc = json.load(open(sys.argv[1]))
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    kinds, inclusive, exclusive = collections.Counter(), collections.Counter(), collections.Counter()
    for names, weight in samples(doc):
        pseudo = names[-1] if names and names[-1] in PSEUDO else None
        real = [n for n in names if n not in PSEUDO]
        if pseudo == 'UNMANAGED_CODE_TIME' and any(w in n for n in real for w in WAITS):
            kinds['waiting'] += weight
            continue
        kind = 'managed' if pseudo == 'CPU_TIME' else 'native'
        kinds[kind] += weight
        exclusive[(kind, real[-1] if real else '?')] += weight
        for name in set(real):
            inclusive[name] += weight
    total = sum(kinds.values())
    busy = total - kinds['waiting']
    print('samples: ' + ', '.join(f'{k} {100 * v / total:.1f}%' for k, v in kinds.most_common()))
    print(f'== exclusive, % of busy samples')
    for (kind, name), weight in exclusive.most_common(top):
        print(f'{100 * weight / busy:5.1f}%  {kind:7} {name[:150]}')
    print(f'== inclusive, % of busy samples')
    for name, weight in inclusive.most_common(top * 2):
        print(f'{100 * weight / busy:5.1f}%  {name[:150]}')


if __name__ == '__main__':
    main()
