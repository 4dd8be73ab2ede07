/**
 * A Tomcat connector whose connections are polled by Evergreen's event loops ({@code evergreen.web.connector=loop}):
 * {@link io.evergreen.spring.tomcat.Http11LoopProtocol} is Tomcat's HTTP/1.1 protocol on a
 * {@link io.evergreen.spring.tomcat.LoopEndpoint}, where each loop's selector watches the connections given to it and
 * runs each request on a fiber of that loop, with no poller thread in between.
 */
package io.evergreen.spring.tomcat;
