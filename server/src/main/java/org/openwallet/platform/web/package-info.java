/** The HTTP edge: the API contract annotations and the OpenAPI document built from them, RFC 9457 problem details with stable codes, request limits, the client address, and cursors. */
@org.springframework.modulith.NamedInterface("web")
package org.openwallet.platform.web;
