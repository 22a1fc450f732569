/**
 * The Gatehouse launcher: reads {@code etc/gatehouse.properties}, boots Apache Felix, installs the
 * bundles in {@code system/} and waits until the framework stops.
 */
module org.gatehouse.launcher {
    requires org.apache.felix.framework;
    requires org.apache.commons.configuration2;
    requires java.management;
    requires jdk.unsupported;

    // Gogo invokes the shutdown command reflectively from inside the framework.
    exports org.gatehouse.launcher.command;

    uses org.osgi.framework.launch.FrameworkFactory;
}
