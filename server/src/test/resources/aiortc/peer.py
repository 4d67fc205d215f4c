"""An aiortc peer for AiortcInteropTest and InteropMatrixTest: publishes a tone (1 kHz unless told), or plays a stream
and measures that tone in it.

Protocol over stdin/stdout, one JSON object per line:
  peer -> test  {"offer": "<sdp>"}
  test -> peer  {"answer": "<sdp>"}
  peer -> test  {"state": "<connection state>"}               (each change)
  play only:    {"frames": n, "toneFraction": f, "levels": [...]}  once it has enough audio
Arguments: publish|play, seconds (2), tone frequency in Hz (1000). Closing stdin ends the peer.

With the one argument "multi", one process serves many peer connections (InteropMatrixTest), each named by an "id":
  test -> peer  {"id": i, "publish": hz}  or  {"id": i, "play": hz, "seconds": s}
  peer -> test  {"id": i, "offer": "<sdp>"}, then {"id": i, "state": ...} and, playing, {"id": i, "toneFraction": f}
  test -> peer  {"id": i, "answer": "<sdp>"}
"""
import asyncio
import json
import math
import sys

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def tone_fraction(samples, rate, freq, window, ratio):
    """Fraction of windows where freq carries ratio times more power than its neighbours at +-300 Hz."""
    def power(x, f):
        k = 2 * math.cos(2 * math.pi * f / rate)
        s1 = s2 = 0.0
        for v in x:
            s0 = v + k * s1 - s2
            s2, s1 = s1, s0
        return s1 * s1 + s2 * s2 - k * s1 * s2

    hits = total = 0
    for start in range(0, len(samples) - window + 1, window):
        x = samples[start:start + window]
        p = power(x, freq)
        others = max(power(x, freq - 300), power(x, freq + 300), 1e-9)
        total += 1
        if p > ratio * others:
            hits += 1
    return hits / total if total else 0.0


async def measure(track, seconds, freq, report):
    pcm = []
    frames = 0
    while len(pcm) < seconds * 16000:
        frame = await track.recv()
        frames += 1
        data = frame.to_ndarray()  # s16, interleaved channels in one row
        channels = len(frame.layout.channels)
        mono = data[0][::channels]
        # 48 kHz -> 16 kHz: the tone is far below the new Nyquist
        pcm.extend(float(v) for v in mono[::3])
    report({"frames": frames, "toneFraction": tone_fraction(pcm[8000:], 16000, freq, 800, 20)})


async def multi():
    loop = asyncio.get_running_loop()
    pcs = {}
    keep = []

    async def start(msg):
        pid = msg["id"]
        pc = RTCPeerConnection()
        pcs[pid] = pc

        @pc.on("connectionstatechange")
        def on_state():
            emit({"id": pid, "state": pc.connectionState})

        if "publish" in msg:
            player = MediaPlayer("sine=frequency=%d:sample_rate=48000" % msg["publish"], format="lavfi")
            keep.append(player)
            pc.addTrack(player.audio)
        else:
            pc.addTransceiver("audio", direction="recvonly")

            @pc.on("track")
            def on_track(track):
                asyncio.ensure_future(measure(track, msg.get("seconds", 2), msg["play"],
                                              lambda r: emit(dict(r, id=pid))))
        await pc.setLocalDescription(await pc.createOffer())
        emit({"id": pid, "offer": pc.localDescription.sdp})

    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        msg = json.loads(line)
        if "answer" in msg:
            await pcs[msg["id"]].setRemoteDescription(RTCSessionDescription(sdp=msg["answer"], type="answer"))
        else:
            await start(msg)
    for pc in pcs.values():
        await pc.close()


async def main(mode, seconds, freq):
    pc = RTCPeerConnection()
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    @pc.on("connectionstatechange")
    def on_state():
        emit({"state": pc.connectionState})

    if mode == "publish":
        player = MediaPlayer("sine=frequency=%d:sample_rate=48000" % freq, format="lavfi")
        pc.addTrack(player.audio)
    else:
        pc.addTransceiver("audio", direction="recvonly")

        @pc.on("track")
        def on_track(track):
            async def consume():
                pcm = []
                frames = 0
                while len(pcm) < seconds * 16000:
                    frame = await track.recv()
                    frames += 1
                    data = frame.to_ndarray()  # s16, interleaved channels in one row
                    channels = len(frame.layout.channels)
                    mono = data[0][::channels]
                    # 48 kHz -> 16 kHz: the tone is far below the new Nyquist
                    pcm.extend(float(v) for v in mono[::3])
                emit({"frames": frames, "toneFraction": tone_fraction(pcm[8000:], 16000, freq, 800, 20)})
            asyncio.ensure_future(consume())

    await pc.setLocalDescription(await pc.createOffer())
    emit({"offer": pc.localDescription.sdp})

    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    line = await reader.readline()
    answer = json.loads(line)["answer"]
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    while await reader.readline():
        pass
    await pc.close()


if __name__ == "__main__" and sys.argv[1] == "multi":
    asyncio.run(multi())
elif __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 2.0,
                     int(sys.argv[3]) if len(sys.argv) > 3 else 1000))
