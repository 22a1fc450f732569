package org.gatehouse.content.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.content.cfg}, described for metatype-aware tools; every key applies at once. */
@ObjectClassDefinition(id = ContentSettings.PID, name = "Gatehouse custom web app content",
        description = "Files served over HTTPS from a folder, e.g. the operator's branding for the web app.")
@interface ContentConfiguration {

    @AttributeDefinition(name = "folder", description = "Folder served, relative to the installation folder.", defaultValue = "webapp")
    String folder();

    @AttributeDefinition(name = "mount", description = "Path prefix it is served at; starts and ends with /.", defaultValue = "/webapp/")
    String mount();

    @AttributeDefinition(name = "index", description = "File served for a folder.", defaultValue = "index.html")
    String index();

    @AttributeDefinition(name = "cache-control", description = "Cache-Control of every answer.", defaultValue = "no-cache")
    String cache$_$control();
}
