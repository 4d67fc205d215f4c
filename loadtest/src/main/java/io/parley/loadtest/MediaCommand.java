package io.parley.loadtest;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "media", mixinStandardHelpOptions = true,
        description = "Media load: P publishers and S players per room over the Java client's WebRTC path (not available yet).")
final class MediaCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common = new CommonOptions();

    @Override
    public Integer call() {
        LoadTest.err.println("parley-loadtest: the media scenario needs the Java client's media path (io.parley.client.media)");
        return Runner.BAD_SETTINGS;
    }
}
