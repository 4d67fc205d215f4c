package io.parley.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes {@link ParleyConfig} from one YAML file plus the environment, strictly: an unknown key is an error that
 * names it and lists the keys expected there. Precedence: defaults, then the file, then environment variables.
 * <p>Environment rule: {@code PARLEY_} + the key's path, each camelCase word upper-cased and joined by {@code _}
 * ({@code server.maxFrameBytes} → {@code PARLEY_SERVER_MAX_FRAME_BYTES}); Apps come from
 * {@code PARLEY_APP_<AppID>_SECRET}. Values are never echoed for secrets, in errors or dumps.
 */
public final class ConfigLoader {
    public static final String ENV_PREFIX = "PARLEY_";
    /** Where {@code --config} may also come from. */
    public static final String CONFIG_ENV = "PARLEY_CONFIG";
    static final Pattern APP_SECRET_ENV = Pattern.compile("PARLEY_APP_([0-9]{1,10})_SECRET");
    static final Pattern APP_CBC_ENV = Pattern.compile("PARLEY_APP_([0-9]{1,10})_LEGACY_CBC_TOKENS");
    static final Pattern APP_CALLBACK_URL_ENV = Pattern.compile("PARLEY_APP_([0-9]{1,10})_CALLBACK_URL");
    static final Pattern APP_CALLBACK_SECRET_ENV = Pattern.compile("PARLEY_APP_([0-9]{1,10})_CALLBACK_SECRET");
    static final Pattern APP_KICK_ON_TOKEN_EXPIRY_ENV = Pattern.compile("PARLEY_APP_([0-9]{1,10})_KICK_ON_TOKEN_EXPIRY");
    static final Pattern APP_MULTI_ROOM_ENV = Pattern.compile("PARLEY_APP_([0-9]{1,10})_MULTI_ROOM");
    /** Keys of an App that may be left out: off or empty unless set. */
    private static final List<String> OPTIONAL_APP_KEYS = List.of("legacyCbcTokens", "callbackUrl", "callbackSecret",
            "kickOnTokenExpiry", "multiRoom");
    /** PARLEY_* variables that are not keys but are ours: not worth a warning. */
    private static final List<String> OTHER_ENV = List.of(CONFIG_ENV, "PARLEY_APP_SECRET");
    private static final String REDACTED = "<redacted>";
    /** String keys that hold a comma-separated list, which the file may also write as a YAML list. */
    private static final Set<String> LIST_KEYS = Set.of("announcedAddresses", "bindAddress", "urls");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigLoader() {}

    /** A decoded configuration and what the operator should hear about (ignored variables). */
    public record Loaded(ParleyConfig config, List<String> warnings) {}

    /** Reads {@code file} (null: defaults only) and applies {@code env}. Throws {@link ConfigException}. */
    public static Loaded load(Path file, Map<String, String> env) {
        String text = "";
        if (file != null) {
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(List.of(file + ": cannot read (" + e.getClass().getSimpleName() + ": "
                        + e.getMessage() + ")"));
            }
        }
        return parse(text, file == null ? "config" : file.toString(), env);
    }

    /** Decodes YAML text; {@code source} names it in messages. */
    public static Loaded parse(String yaml, String source, Map<String, String> env) {
        JsonNode root;
        try {
            root = yaml.isBlank() ? null : YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            // The parser's own message quotes the offending line, which may hold a secret: give the place only.
            JsonLocation at = e.getLocation();
            throw new ConfigException(List.of(source + ": not valid YAML" + (at == null ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")));
        }
        List<String> problems = new ArrayList<>();
        ObjectNode tree;
        if (root == null || root.isNull() || root.isMissingNode()) {
            tree = JsonNodeFactory.instance.objectNode();
        } else if (root instanceof ObjectNode o) {
            tree = o;
        } else {
            throw new ConfigException(List.of(source + ": a " + kind(root) + " (expected: a mapping of sections: "
                    + String.join(", ", names(ParleyConfig.class)) + ")"));
        }
        List<String> warnings = applyEnv(tree, env, problems);
        ParleyConfig config = bindRecord(ParleyConfig.class, tree, ParleyConfig.DEFAULTS, "", problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Loaded(config, warnings);
    }

    /** Checks the values (after the command line had its say); throws {@link ConfigException} listing every problem. */
    public static ParleyConfig validate(ParleyConfig c) {
        List<String> p = ConfigRules.check(c);
        if (!p.isEmpty()) {
            throw new ConfigException(p);
        }
        return c.withLog(new ParleyConfig.Log(c.log().level().toUpperCase(Locale.ROOT)));
    }

    /** Every environment variable that sets a key, mapped to the key's path (for docs and tests). */
    public static Map<String, String> envKeys() {
        Map<String, String> out = new TreeMap<>();
        collectEnv(ParleyConfig.class, "", out);
        return out;
    }

    /** The effective configuration as YAML, secrets redacted (for --print-config). */
    public static String toYaml(ParleyConfig c) {
        try {
            return YAML.writeValueAsString(tree(c));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The effective configuration on one line, secrets redacted (for the start-up log). */
    public static String toOneLine(ParleyConfig c) {
        return tree(c).toString();
    }

    // ---- environment ----

    private static List<String> applyEnv(ObjectNode tree, Map<String, String> env, List<String> problems) {
        Map<String, String> keys = envKeys();
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX)) {
                continue;
            }
            String path = keys.get(name);
            Matcher app = APP_SECRET_ENV.matcher(name);
            Matcher cbc = APP_CBC_ENV.matcher(name);
            Matcher cbUrl = APP_CALLBACK_URL_ENV.matcher(name);
            Matcher cbSecret = APP_CALLBACK_SECRET_ENV.matcher(name);
            Matcher kick = APP_KICK_ON_TOKEN_EXPIRY_ENV.matcher(name);
            Matcher multi = APP_MULTI_ROOM_ENV.matcher(name);
            if (path != null) {
                setPath(tree, path, e.getValue(), name, problems);
            } else if (app.matches()) {
                setAppKey(tree, Long.parseLong(app.group(1)), "secret", e.getValue(), name, problems);
            } else if (cbc.matches()) {
                setAppKey(tree, Long.parseLong(cbc.group(1)), "legacyCbcTokens", e.getValue(), name, problems);
            } else if (cbUrl.matches()) {
                setAppKey(tree, Long.parseLong(cbUrl.group(1)), "callbackUrl", e.getValue(), name, problems);
            } else if (cbSecret.matches()) {
                setAppKey(tree, Long.parseLong(cbSecret.group(1)), "callbackSecret", e.getValue(), name, problems);
            } else if (kick.matches()) {
                setAppKey(tree, Long.parseLong(kick.group(1)), "kickOnTokenExpiry", e.getValue(), name, problems);
            } else if (multi.matches()) {
                setAppKey(tree, Long.parseLong(multi.group(1)), "multiRoom", e.getValue(), name, problems);
            } else if (!OTHER_ENV.contains(name)) {
                warnings.add(name + ": not a configuration variable, ignored (expected one of: "
                        + String.join(", ", keys.keySet()) + ", PARLEY_APP_<AppID>_SECRET, PARLEY_APP_<AppID>_LEGACY_CBC_TOKENS, "
                        + "PARLEY_APP_<AppID>_CALLBACK_URL, PARLEY_APP_<AppID>_CALLBACK_SECRET, PARLEY_APP_<AppID>_KICK_ON_TOKEN_EXPIRY, "
                        + "PARLEY_APP_<AppID>_MULTI_ROOM)");
            }
        }
        return warnings;
    }

    private static void setPath(ObjectNode tree, String path, String value, String env, List<String> problems) {
        String[] parts = path.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(parts[i]);
            }
            if (!(child instanceof ObjectNode o)) {
                problems.add(env + ": cannot set " + path + " because " + parts[i] + " is a " + kind(child)
                        + " in the file (expected: a mapping)");
                return;
            }
            node = o;
        }
        node.set(parts[parts.length - 1], TextNode.valueOf(value));
    }

    private static void setAppKey(ObjectNode tree, long appId, String key, String value, String env, List<String> problems) {
        JsonNode apps = tree.get("apps");
        if (apps == null || apps.isNull()) {
            apps = tree.putArray("apps");
        }
        if (!(apps instanceof ArrayNode list)) {
            problems.add(env + ": cannot add App " + appId + " because apps is a " + kind(apps)
                    + " in the file (expected: a list)");
            return;
        }
        for (JsonNode a : list) {
            if (a instanceof ObjectNode o && a.path("appId").asText().equals(Long.toString(appId))) {
                o.set(key, TextNode.valueOf(value));
                return;
            }
        }
        list.addObject().put("appId", appId).put(key, value);
    }

    private static void collectEnv(Class<?> type, String prefix, Map<String, String> out) {
        for (RecordComponent rc : type.getRecordComponents()) {
            String path = prefix.isEmpty() ? rc.getName() : prefix + "." + rc.getName();
            if (rc.getType() == List.class) {
                continue; // apps: PARLEY_APP_<AppID>_SECRET
            }
            if (rc.getType().isRecord()) {
                collectEnv(rc.getType(), path, out);
            } else {
                out.put(ENV_PREFIX + path.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_')
                        .toUpperCase(Locale.ROOT), path);
            }
        }
    }

    // ---- binding ----

    private static <R extends Record> R bindRecord(Class<R> type, JsonNode node, R defaults, String path,
                                                   List<String> problems) {
        RecordComponent[] rcs = type.getRecordComponents();
        List<String> names = names(type);
        if (node != null && !node.isNull() && !node.isObject()) {
            problems.add(label(path, type) + ": a " + kind(node) + " (expected: a mapping with keys "
                    + String.join(", ", names) + ")");
            return defaults;
        }
        if (node == null || node.isNull()) {
            node = MissingNode.getInstance();
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!names.contains(k)) {
                problems.add(join(path, k) + ": unknown key (expected one of: " + String.join(", ", names) + ")");
            }
        }
        Object[] args = new Object[rcs.length];
        Class<?>[] types = new Class<?>[rcs.length];
        int before = problems.size();
        for (int i = 0; i < rcs.length; i++) {
            RecordComponent rc = rcs[i];
            types[i] = rc.getType();
            JsonNode child = node.get(rc.getName());
            Object dflt = defaults == null ? null : read(rc, defaults);
            String p = join(path, rc.getName());
            if (child == null) {
                if (defaults == null && OPTIONAL_APP_KEYS.contains(rc.getName())) {
                    dflt = rc.getType() == boolean.class ? (Object) false : ""; // apps[].legacyCbcTokens, callback*, kickOnTokenExpiry, multiRoom
                } else if (defaults == null) {
                    problems.add(p + ": missing (expected: " + expected(rc.getType()) + ")");
                }
                args[i] = dflt;
            } else {
                args[i] = bindValue(rc, child, dflt, p, problems);
            }
        }
        if (problems.size() > before) {
            return defaults;
        }
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            // Record constructors (AppConfig) say what was wrong without the secret.
            problems.add(e.getCause().getMessage());
            return defaults;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object bindValue(RecordComponent rc, JsonNode n, Object dflt, String path, List<String> problems) {
        Class<?> t = rc.getType();
        boolean secret = rc.getName().toLowerCase(Locale.ROOT).contains("secret");
        if (t.isRecord()) {
            return bindRecord(t.asSubclass(Record.class), n, (Record) dflt, path, problems);
        }
        if (t == List.class) {
            return bindApps(n, path, problems);
        }
        if (t == String.class && n.isArray() && LIST_KEYS.contains(rc.getName())) {
            // media.announcedAddresses, media.bindAddress, turn.urls: a YAML list or a comma-separated string.
            List<String> items = new ArrayList<>();
            for (JsonNode item : n) {
                if (item.isContainerNode() || item.isNull()) {
                    problems.add(path + ": a list holding a " + kind(item) + " (expected: a list of strings)");
                    return dflt;
                }
                items.add(item.asText());
            }
            return String.join(",", items);
        }
        if (n.isContainerNode()) {
            problems.add(path + ": a " + kind(n) + " (expected: " + expected(t) + ")");
            return dflt;
        }
        String text = n.asText();
        String shown = secret ? REDACTED : "'" + text + "'";
        try {
            if (t == String.class) {
                return n.isNull() ? "" : text;
            } else if (t == int.class) {
                return n.isIntegralNumber() && n.canConvertToInt() ? n.intValue() : Integer.parseInt(text.trim());
            } else if (t == long.class) {
                return n.isIntegralNumber() && n.canConvertToLong() ? n.longValue() : Long.parseLong(text.trim());
            } else if (t == boolean.class) {
                if (n.isBoolean()) {
                    return n.booleanValue();
                }
                String b = text.trim().toLowerCase(Locale.ROOT);
                if (b.equals("true") || b.equals("false")) {
                    return Boolean.parseBoolean(b);
                }
                throw new IllegalArgumentException();
            } else if (t == Duration.class) {
                if (n.isNumber()) {
                    throw new IllegalArgumentException();
                }
                return Durations.parse(text);
            }
        } catch (IllegalArgumentException e) {
            problems.add(path + ": " + shown + " (expected: " + expected(t) + ")");
            return dflt;
        }
        throw new IllegalStateException("no binding for " + t + " at " + path);
    }

    private static List<AppConfig> bindApps(JsonNode n, String path, List<String> problems) {
        if (n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            problems.add(path + ": a " + kind(n) + " (expected: a list of {appId: <number>, secret: <32 bytes>})");
            return List.of();
        }
        List<AppConfig> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            AppConfig a = bindRecord(AppConfig.class, n.get(i), null, path + "[" + i + "]", problems);
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    private static String expected(Class<?> t) {
        if (t == int.class || t == long.class) {
            return "an integer";
        } else if (t == boolean.class) {
            return "true or false";
        } else if (t == Duration.class) {
            return Durations.EXPECTED;
        } else if (t == String.class) {
            return "a string";
        } else if (t.isRecord()) {
            return "a mapping with keys " + String.join(", ", names(t));
        }
        return t.getSimpleName();
    }

    private static Object read(RecordComponent rc, Object owner) {
        try {
            return rc.getAccessor().invoke(owner);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> names(Class<?> type) {
        List<String> out = new ArrayList<>();
        for (RecordComponent rc : type.getRecordComponents()) {
            out.add(rc.getName());
        }
        return out;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String label(String path, Class<?> type) {
        return path.isEmpty() ? type.getSimpleName() : path;
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isNull()) {
            return "null";
        }
        return n.isObject() ? "mapping" : n.isArray() ? "list" : n.isTextual() ? "string" : n.isNumber() ? "number"
                : n.isBoolean() ? "boolean" : n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    // ---- dumping ----

    private static JsonNode tree(Object value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (value instanceof AppConfig a) {
            return f.objectNode().put("appId", a.appId()).put("secret", REDACTED)
                    .put("legacyCbcTokens", a.legacyCbcTokens()).put("callbackUrl", a.callbackUrl())
                    .put("callbackSecret", a.callbackSecret().isEmpty() ? "" : REDACTED)
                    .put("kickOnTokenExpiry", a.kickOnTokenExpiry()).put("multiRoom", a.multiRoom());
        }
        if (value instanceof Record r) {
            ObjectNode o = f.objectNode();
            Map<String, JsonNode> fields = new LinkedHashMap<>();
            for (RecordComponent rc : r.getClass().getRecordComponents()) {
                Object v = read(rc, r);
                boolean secret = rc.getName().toLowerCase(Locale.ROOT).contains("secret") && v instanceof String t
                        && !t.isEmpty();
                if (rc.getName().equals("redisUrl") && v instanceof String url && url.contains("@")) {
                    v = url.replaceFirst("//[^@/]*@", "//" + REDACTED + "@"); // the password in the URL's user part
                }
                fields.put(rc.getName(), secret ? f.textNode(REDACTED) : tree(v)); // turn.secret
            }
            o.setAll(fields);
            return o;
        }
        if (value instanceof List<?> l) {
            ArrayNode a = f.arrayNode();
            l.forEach(v -> a.add(tree(v)));
            return a;
        }
        if (value instanceof Duration d) {
            return f.textNode(Durations.format(d));
        }
        return JSON.valueToTree(value);
    }
}
