package io.parley.transcode;

import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.nio.charset.StandardCharsets;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swresample;
import org.bytedeco.javacpp.Loader;

/** FFmpeg (JavaCPP) helpers: native loading, log level, error codes. */
final class Ff {
    /** AVERROR(EAGAIN) on Linux. */
    static final int EAGAIN = -11;

    static {
        Loader.load(avutil.class);
        Loader.load(avcodec.class);
        Loader.load(swresample.class);
        // FFmpeg logs to stderr; corrupt input from a publisher would otherwise spam the server log. Errors reach
        // callers as counters or TranscodeException instead. Override with -Dparley.transcode.ffmpegLogLevel=<int>.
        av_log_set_level(Integer.getInteger("parley.transcode.ffmpegLogLevel", avutil.AV_LOG_FATAL));
    }

    private Ff() {}

    /** Loads the natives (idempotent). */
    static void init() {
        // the static initialiser does the work
    }

    static String error(int code) {
        byte[] buf = new byte[256];
        if (av_strerror(code, buf, buf.length) < 0) {
            return "error " + code;
        }
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8) + " (" + code + ")";
    }

    static int check(int ret, String what) {
        if (ret < 0) {
            throw new TranscodeException(what + ": " + error(ret));
        }
        return ret;
    }
}
