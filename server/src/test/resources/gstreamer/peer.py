"""A GStreamer webrtcbin peer for the interop tests: publishes a sine tone, or plays a stream and measures a tone in it.

Same protocol as aiortc/peer.py, over stdin/stdout, one JSON object per line:
  peer -> test  {"offer": "<sdp>"}
  test -> peer  {"answer": "<sdp>"}
  peer -> test  {"state": "<ICE connection state>"}           (each change)
  play only:    {"frames": n, "toneFraction": f}                  once it has `seconds` of audio
Arguments: publish|play, seconds, tone frequency in Hz. Closing stdin ends the peer.

With the one argument "multi", one process serves many peer connections (InteropMatrixTest), each named by an "id":
  test -> peer  {"id": i, "publish": hz}  or  {"id": i, "play": hz, "seconds": s}
  peer -> test  {"id": i, "offer": "<sdp>"}, then {"id": i, "state": ...} and, playing, {"id": i, "toneFraction": f}
  test -> peer  {"id": i, "answer": "<sdp>"}
"""
import json
import math
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("Nice", "0.1")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC, Nice  # noqa: E402

RATE = 16000


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def tone_fraction(samples, rate, freq, window, ratio):
    """Fraction of windows where freq carries ratio times more power than its neighbours at +-300 Hz (Goertzel)."""
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


class Peer:
    def __init__(self, mode, seconds, freq, pid=None):
        self.pid = pid
        self.mode = mode
        self.seconds = seconds
        self.freq = freq
        self.pcm = []
        self.frames = 0
        self.reported = False
        self.offered = False
        if mode == "publish":
            self.pipe = Gst.parse_launch(
                "audiotestsrc is-live=true wave=sine freq=%d volume=0.3 ! audioconvert ! audioresample"
                " ! opusenc ! rtpopuspay pt=96"
                " ! application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=96"
                " ! webrtcbin name=w bundle-policy=max-bundle" % freq)
            self.webrtc = self.pipe.get_by_name("w")
        else:
            self.pipe = Gst.Pipeline.new("play")
            self.webrtc = Gst.ElementFactory.make("webrtcbin", "w")
            self.webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
            self.pipe.add(self.webrtc)
            caps = Gst.Caps.from_string("application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=96")
            self.webrtc.emit("add-transceiver", GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, caps)
            self.webrtc.connect("pad-added", self.on_pad)
        # libnice leaves loopback interfaces out of its host candidates, and the test's server is on 127.0.0.1.
        loopback = Nice.Address.new()
        loopback.set_from_string("127.0.0.1")
        # Both stay referenced for the peer's life: GStreamer 1.22's property getter hands Python a reference it does
        # not own, and dropping it would free the ICE agent under webrtcbin.
        self.ice = self.webrtc.get_property("ice-agent")
        self.nice = self.ice.get_property("agent")
        self.nice.add_local_address(loopback)
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("notify::ice-connection-state", self.on_state)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_error)

    def emit(self, obj):
        if self.pid is not None:
            obj["id"] = self.pid
        emit(obj)

    def on_error(self, bus, message):
        err, debug = message.parse_error()
        sys.stderr.write("gstreamer error: %s %s\n" % (err, debug))
        self.emit({"error": str(err)})

    def on_state(self, webrtc, _):
        self.emit({"state": webrtc.get_property("ice-connection-state").value_nick})

    def on_negotiation_needed(self, webrtc):
        if self.offered:
            return
        self.offered = True
        promise = Gst.Promise.new_with_change_func(self.on_offer, webrtc, None)
        webrtc.emit("create-offer", None, promise)

    def on_offer(self, promise, webrtc, _):
        promise.wait()
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply is not None and reply.has_field("offer") else None
        if offer is None:
            self.emit({"error": "create-offer: %s" % (reply.to_string() if reply is not None else "no reply")})
            return
        webrtc.emit("set-local-description", offer, Gst.Promise.new())
        self.emit({"offer": offer.sdp.as_text()})

    def on_answer(self, sdp):
        res, msg = GstSdp.SDPMessage.new_from_text(sdp)
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        self.webrtc.emit("set-remote-description", answer, Gst.Promise.new())
        # The server's one host candidate is in its answer; hand it to ICE explicitly as well.
        for line in sdp.splitlines():
            if line.startswith("a=candidate:"):
                self.webrtc.emit("add-ice-candidate", 0, line[2:])
        return False

    def on_pad(self, webrtc, pad):
        if pad.direction != Gst.PadDirection.SRC:
            return
        decode = Gst.parse_bin_from_description(
            "rtpopusdepay ! opusdec ! audioconvert ! audioresample"
            " ! audio/x-raw,format=S16LE,channels=1,rate=%d ! appsink name=sink emit-signals=true sync=false" % RATE,
            True)
        self.pipe.add(decode)
        decode.sync_state_with_parent()
        decode.get_by_name("sink").connect("new-sample", self.on_sample)
        pad.link(decode.get_static_pad("sink"))

    def on_sample(self, sink):
        sample = sink.emit("pull-sample")
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if ok:
            data = bytes(info.data)
            buf.unmap(info)
            self.frames += 1
            if not self.reported:
                self.pcm.extend(int.from_bytes(data[i:i + 2], "little", signed=True) for i in range(0, len(data) - 1, 2))
                if len(self.pcm) >= (self.seconds + 0.5) * RATE:
                    self.reported = True
                    pcm = [float(v) for v in self.pcm[RATE // 2:]]  # skip the decoder's start
                    self.emit({"frames": self.frames, "toneFraction": tone_fraction(pcm, RATE, self.freq, 800, 20)})
        return Gst.FlowReturn.OK

    def start(self):
        self.pipe.set_state(Gst.State.PLAYING)

    def stop(self):
        self.pipe.set_state(Gst.State.NULL)


def serve(on_line, peers):
    """Runs the main loop; stdin lines go to on_line on it; end of input stops every peer and the loop."""
    loop = GLib.MainLoop()

    def read():
        for line in sys.stdin:
            line = line.strip()
            if line:
                GLib.idle_add(on_line, json.loads(line))
        GLib.idle_add(loop.quit)

    threading.Thread(target=read, daemon=True).start()
    loop.run()
    for peer in peers.values():
        peer.stop()


def multi():
    peers = {}

    def on_line(msg):
        pid = msg["id"]
        if "answer" in msg:
            peers[pid].on_answer(msg["answer"])
        elif "publish" in msg:
            peers[pid] = Peer("publish", 0, msg["publish"], pid)
            peers[pid].start()
        else:
            peers[pid] = Peer("play", msg.get("seconds", 2), msg["play"], pid)
            peers[pid].start()
        return False

    serve(on_line, peers)


def single(mode, seconds, freq):
    peer = Peer(mode, seconds, freq)
    peer.start()

    def on_line(msg):
        if "answer" in msg:
            peer.on_answer(msg["answer"])
        return False

    serve(on_line, {"peer": peer})


if __name__ == "__main__":
    Gst.init(None)
    if sys.argv[1] == "multi":
        multi()
    else:
        single(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 2.0,
               int(sys.argv[3]) if len(sys.argv) > 3 else 1000)
