package io.kad.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a JSON tree exactly as CPython's {@code json.dumps(obj)} does with default arguments, which is
 * what kad.py puts on the wire.
 *
 * <ul>
 *   <li>Separators {@code ", "} and {@code ": "}, fields in the tree's order, no whitespace otherwise.</li>
 *   <li>ASCII only: {@code "}, {@code \}, {@code \n}, {@code \r}, {@code \t}, {@code \b}, {@code \f}
 *       get their short escapes; every other char outside {@code 0x20..0x7e} is written as
 *       {@code \}{@code uXXXX} with lower-case hex, per UTF-16 unit (so non-BMP characters become
 *       surrogate pairs, as in Python).</li>
 *   <li>Integers of any size as plain digits; floats as Python's {@code repr} ({@code 2.5}, {@code 1e-05},
 *       {@code 1e+16}, {@code NaN}, {@code Infinity}). The digits come from {@link Double#toString}, which
 *       on Java 17 is the shortest round-trip form except for rare values, where Python would print
 *       fewer digits; the value still round-trips.</li>
 * </ul>
 */
final class PythonJson {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private PythonJson() {
    }

    /**
     * @param node a JSON tree
     * @return its Python {@code json.dumps} text (pure ASCII)
     */
    static String write(JsonNode node) {
        StringBuilder sb = new StringBuilder(256);
        write(node, sb);
        return sb.toString();
    }

    private static void write(JsonNode node, StringBuilder sb) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                sb.append('{');
                boolean first = true;
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!first) {
                        sb.append(", ");
                    }
                    first = false;
                    writeString(e.getKey(), sb);
                    sb.append(": ");
                    write(e.getValue(), sb);
                }
                sb.append('}');
            }
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    write(node.get(i), sb);
                }
                sb.append(']');
            }
            case STRING -> writeString(node.textValue(), sb);
            case NUMBER -> writeNumber(node, sb);
            case BOOLEAN -> sb.append(node.booleanValue() ? "true" : "false");
            case NULL, MISSING -> sb.append("null");
            default -> throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
        }
    }

    private static void writeNumber(JsonNode node, StringBuilder sb) {
        if (node.isIntegralNumber()) {
            sb.append(node.bigIntegerValue().toString());
        } else if (node.isBigDecimal()) {
            // only reachable for trees built by hand; Python has no decimal literal, a float is closest
            sb.append(pythonFloat(node.decimalValue().doubleValue()));
        } else {
            sb.append(pythonFloat(node.doubleValue()));
        }
    }

    /**
     * @param d a double
     * @return Python's {@code repr(d)}, as {@code json.dumps} writes it
     */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        // value = 0.<digits> x 10^decpt, Python's convention in format_float_short
        int decpt = digits.length() - bd.scale();
        StringBuilder sb = new StringBuilder(24);
        if (d < 0) {
            sb.append('-');
        }
        if (decpt <= -4 || decpt > 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            int abs = Math.abs(exp);
            if (abs < 10) {
                sb.append('0');
            }
            sb.append(abs);
        } else if (decpt <= 0) {
            sb.append("0.");
            sb.append("0".repeat(-decpt));
            sb.append(digits);
        } else if (decpt >= digits.length()) {
            sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
        }
        return sb.toString();
    }

    private static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        sb.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
