package io.parley.server.media;

import io.parley.server.config.ParleyConfig;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;

/** Picks the address put in SDP candidates. */
final class Addresses {
    private Addresses() {}

    static String announced(ParleyConfig.Media config) {
        if (config.announcedAddress() != null && !config.announcedAddress().isBlank()) {
            return config.announcedAddress();
        }
        String bind = config.bindAddress();
        if (bind != null && !bind.equals("0.0.0.0") && !bind.equals("::") && !bind.isBlank()) {
            return bind;
        }
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            // fall through to loopback
        }
        return "127.0.0.1";
    }
}
