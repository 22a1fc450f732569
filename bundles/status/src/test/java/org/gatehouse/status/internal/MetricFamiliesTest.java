package org.gatehouse.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MetricFamiliesTest {

    @Test
    void samplesOfANameAreGroupedUnderOneHelpAndType() {
        MetricFamilies m = new MetricFamilies();
        m.counter("a_total", "First A.", 1, "k", "x");
        m.gauge("b", "B.", 2.5);
        m.counter("a_total", "Second help is ignored.", 3, "k", "y");
        assertEquals("# HELP a_total First A.\n# TYPE a_total counter\na_total{k=\"x\"} 1\na_total{k=\"y\"} 3\n"
                + "# HELP b B.\n# TYPE b gauge\nb 2.5\n", m.text());
    }

    @Test
    void labelValuesAndHelpAreEscapedAndSpecialValuesWritten() {
        MetricFamilies m = new MetricFamilies();
        m.gauge("g", "line\\one\nline two", Double.NaN, "v", "a\"b\\c\nd");
        m.gauge("h", "", Double.POSITIVE_INFINITY);
        m.gauge("i", "", 1e20);
        assertEquals("# HELP g line\\\\one\\nline two\n# TYPE g gauge\ng{v=\"a\\\"b\\\\c\\nd\"} NaN\n"
                + "# HELP h \n# TYPE h gauge\nh +Inf\n# HELP i \n# TYPE i gauge\ni 1.0E20\n", m.text());
        Exposition.parse(m.text());
    }

    @Test
    void invalidNamesDuplicatesAndTypeClashesAreRefused() {
        MetricFamilies m = new MetricFamilies();
        m.gauge("1abc", "", 1);
        assertEquals("invalid metric name '1abc'", m.firstRefusal());
        m.gauge("a-b", "", 1);
        m.gauge("ok", "", 1, "bad-label", "x");
        m.gauge("ok", "", 1, "__reserved", "x");
        m.gauge("ok", "", 1, "odd");
        m.gauge("ok", "", 1, "k", "v");
        m.gauge("ok", "", 2, "k", "v");
        m.counter("ok", "", 2, "k", "w");
        // Each refused alone: what comes after is written.
        m.gauge("ok", "", 3, "k", "x");
        assertEquals(7, m.refused());
        assertEquals("invalid metric name '1abc'", m.firstRefusal());
        assertEquals("# HELP ok \n# TYPE ok gauge\nok{k=\"v\"} 1\nok{k=\"x\"} 3\n", m.text());
    }

    /** One series whatever the order of its labels; a label given twice is no series (the scrape would fail whole). */
    @Test
    void theSameSeriesInAnotherLabelOrderAndARepeatedLabelAreRefused() {
        MetricFamilies m = new MetricFamilies();
        m.gauge("x", "", 1, "a", "1", "b", "2");
        m.gauge("x", "", 2, "b", "2", "a", "1");
        m.gauge("x", "", 3, "a", "1", "a", "2");
        m.gauge("x", "", 4, "b", "1", "a", "2");
        assertEquals(2, m.refused());
        assertEquals("# HELP x \n# TYPE x gauge\nx{a=\"1\",b=\"2\"} 1\nx{b=\"1\",a=\"2\"} 4\n", m.text());
    }
}
