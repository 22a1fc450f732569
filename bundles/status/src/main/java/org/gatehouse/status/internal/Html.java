package org.gatehouse.status.internal;

import java.util.List;

/**
 * The status page as it is written: headings, paragraphs and tables whose every piece of text is
 * HTML-escaped here, so no value (a node name, a certificate subject) can become markup.
 */
final class Html {

    private final StringBuilder out = new StringBuilder(8192);

    Html(String title, int refreshSeconds) {
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        if (refreshSeconds > 0) {
            out.append("<meta http-equiv=\"refresh\" content=\"").append(refreshSeconds).append("\">");
        }
        out.append("<title>").append(escape(title)).append("</title><style>")
                .append("body{font-family:sans-serif;margin:1.5em;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0 1.5em}")
                .append("th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}")
                .append("th{background:#eee}.bad{color:#b00;font-weight:bold}.ok{color:#070}")
                .append("</style></head><body>\n<h1>").append(escape(title)).append("</h1>\n");
    }

    Html heading(String text) {
        out.append("<h2>").append(escape(text)).append("</h2>\n");
        return this;
    }

    Html paragraph(String text) {
        out.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    /** A paragraph marked as a problem. */
    Html problem(String text) {
        out.append("<p class=\"bad\">").append(escape(text)).append("</p>\n");
        return this;
    }

    Html table(List<String> header, List<List<String>> rows) {
        out.append("<table>");
        if (!header.isEmpty()) {
            out.append("<tr>");
            header.forEach(h -> out.append("<th>").append(escape(h)).append("</th>"));
            out.append("</tr>");
        }
        out.append('\n');
        for (List<String> row : rows) {
            out.append("<tr>");
            for (String cell : row) {
                String css = "down".equals(cell) || "unresolved".equals(cell) ? " class=\"bad\"" : "up".equals(cell) ? " class=\"ok\"" : "";
                out.append("<td").append(css).append('>').append(escape(cell)).append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</table>\n");
        return this;
    }

    /** Two columns without a header: what, value. */
    Html facts(List<List<String>> rows) {
        return table(List.of(), rows);
    }

    String end() {
        return out.append("</body></html>\n").toString();
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&': b.append("&amp;"); break;
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&#39;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }
}
