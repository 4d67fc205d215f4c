package io.parley.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version} / {@code -V}: Parley's version from the jar manifest ({@code Implementation-Version}); run from
 * a class directory (tests, an IDE) there is no manifest, and the build-time {@code version.properties} answers.
 */
public final class Version implements IVersionProvider {
    static final String UNKNOWN = "unknown";

    /** This build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String current() {
        String v = Version.class.getPackage() == null ? null : Version.class.getPackage().getImplementationVersion();
        if (v != null && !v.isBlank()) {
            return v;
        }
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String fromBuild = p.getProperty("version", "");
                if (!fromBuild.isBlank() && !fromBuild.startsWith("${")) {
                    return fromBuild;
                }
            }
        } catch (IOException e) {
            return UNKNOWN;
        }
        return UNKNOWN;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"Parley " + current() + " (Java " + System.getProperty("java.version") + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")"};
    }
}
